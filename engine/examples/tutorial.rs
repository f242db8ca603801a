//! The seed notebook, in Rust: explain two models on the bundled example loci, call seqlets,
//! name them with Tomtom and count the motifs.
//!
//! ```text
//! cargo run --release --example tutorial
//! ```

use std::path::Path;

use burn::backend::{Autodiff, Flex};
use motiflift::annotate::{annotate_seqlets, seqlet_rows};
use motiflift::attribute::{DeepLiftShapOptions, References, deep_lift_shap};
use motiflift::io::{bed, fasta::Fasta, loci, meme};
use motiflift::plot::plot_counts;
use motiflift::seqlets::{RecursiveOptions, recursive_seqlets};
use motiflift_kernels::counts::count_annotations;
use motiflift_models::{ModelSpec, load};
use ndarray::Array2;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data");
    let out = Path::new("tutorial-out");
    std::fs::create_dir_all(out)?;

    // 1. Loci → one-hot (n, 4, 2114), as tangermeme's extract_loci.
    let peaks = bed::read_loci(&[data.join("genome/loci.bed")], &Default::default())?;
    let genome = Fasta::open(data.join("genome/genome.fa"))?;
    let x = loci::extract_loci(&peaks, &genome, &Default::default())?.x;
    let x = x.slice(ndarray::s![..16, .., ..]).to_owned(); // a quick run: 16 loci
    let motifs = meme::read_meme(data.join("motifs/jaspar2024_hsapiens_chipseq.meme"))?;

    let models = [
        ("BPNet", ModelSpec::new(data.join("models/bpnet/model.torch")).with_arch("bpnet".parse()?).with_wrappers("control,count".parse()?)),
        ("ChromBPNet", ModelSpec::new(data.join("models/chrombpnet/model.onnx"))),
    ];
    let mut totals = Array2::<f64>::zeros((models.len(), motifs.len()));
    for (m, (name, spec)) in models.iter().enumerate() {
        // 2. DeepLIFT/SHAP against 10 dinucleotide shuffles per locus.
        let graph = load::<Autodiff<Flex>>(spec, &Default::default())?;
        let refs = References::Shuffle { n_shuffles: 10, random_state: 0 };
        let attr = deep_lift_shap::<Flex, _>(&graph, x.view(), &refs, &DeepLiftShapOptions::default(), &Default::default(), |_| {})?;

        // 3. Seqlets on the attributions summed over the alphabet.
        let seqlets = recursive_seqlets(attr.attributions.view().into_dyn(), &RecursiveOptions::default())?;
        let rows = seqlet_rows(&seqlets)?;

        // 4. Name each seqlet with its best Tomtom match, then count motifs per locus.
        let hits = annotate_seqlets(x.view(), &rows, &motifs, 1)?;
        let pairs: Vec<[usize; 2]> = rows.iter().zip(hits.motif_indices.column(0)).map(|(s, &i)| [s[0] as usize, i as usize]).collect();
        let counts = count_annotations(&pairs, Some((x.dim().0, motifs.len())), Some(0))?;
        totals.row_mut(m).assign(&ndarray::Array1::from(counts.data).mapv(f64::from));
        let best = totals.row(m).iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map(|(i, _)| i).unwrap_or(0);
        println!("{name}: {} seqlets, most frequent motif {}", rows.len(), motifs[best].name);
    }

    // 5. A grouped bar chart of the top motifs of both models.
    let names: Vec<&str> = motifs.iter().map(|m| m.name.as_str()).collect();
    let fig = plot_counts(&["BPNet", "ChromBPNet"], totals.view(), &names, 10, out.join("counts.png"))?;
    println!("wrote {} and {}", fig.svg.display(), fig.png.display());
    Ok(())
}
