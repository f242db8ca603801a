//! Readers and writers: FASTA, BED, loci extraction, MEME, `.npy`, tables.
