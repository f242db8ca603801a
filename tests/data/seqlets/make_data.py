"""Regenerates tests/data/seqlets/ from the shared tangermeme 1.6.0 fixtures.

Usage: python make_data.py FIXTURES_DIR   (needs numpy, torch, tangermeme==1.6.0)

* <model>_attr_sum.npy.gz: attributions.npy summed over the alphabet exactly as the fixtures
  did (torch float32 `sum(dim=1)`), gzip-compressed .npy, float32 (64, 2114).
* <model>_seqlets_*.tsv: the fixture seqlet tables, copied unchanged.
* bpnet_fdr_*.tsv: recursive_seqlets in FDR mode on the bpnet sums, with a control made of the
  96 rows bpnet[0..64] + bpnet[0..32], each row permuted by numpy RandomState(0).permutation
  (one generator, one permutation per row, in order); target_fdr=0.05, return_fdr=True.
* bpnet_params_f64.tsv: recursive_seqlets on the bpnet sums as float64 with threshold=0.05,
  min_seqlet_len=6, max_seqlet_len=12, n_bins=300, additional_flanks=3.
* synthetic500_tfmodisco_first25.tsv: tfmodisco_seqlets on scripts/bench_tangermeme.py's
  synthetic_tracks(500) (more than 10^6 windows, so the thresholds use a random subset), the
  rows of examples 0..24.
"""
import gzip, io, os, shutil, sys

import numpy as np
import torch
from tangermeme.seqlet import recursive_seqlets, tfmodisco_seqlets

fixtures = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
for model in ['bpnet', 'chrombpnet', 'procapnet', 'beluga']:
    out = os.path.join(fixtures, 'outputs', model)
    attr = torch.from_numpy(np.load(os.path.join(out, 'attributions.npy')))
    summed = attr.sum(dim=1).numpy()
    buf = io.BytesIO()
    np.save(buf, summed)
    with gzip.GzipFile(os.path.join(here, model + '_attr_sum.npy.gz'), 'wb', mtime=0) as f:
        f.write(buf.getvalue())
    for name in ['recursive_default', 'recursive_t0.001_flank2', 'tfmodisco_default']:
        shutil.copyfile(os.path.join(out, 'seqlets_%s.tsv' % name),
                        os.path.join(here, '%s_seqlets_%s.tsv' % (model, name)))

x = torch.from_numpy(np.load(os.path.join(fixtures, 'outputs', 'bpnet', 'attributions.npy'))).sum(dim=1).numpy()
rs = np.random.RandomState(0)
control = np.stack([row[rs.permutation(x.shape[1])] for row in np.concatenate([x, x[:32]])])
seqlets, fdr = recursive_seqlets(x, X_control=control, target_fdr=0.05, return_fdr=True)
seqlets.to_csv(os.path.join(here, 'bpnet_fdr_seqlets.tsv'), sep='\t', index=False, float_format='%.17g')
fdr.to_csv(os.path.join(here, 'bpnet_fdr_table.tsv'), sep='\t', index=False, float_format='%.17g')
params = recursive_seqlets(x.astype(np.float64), threshold=0.05, min_seqlet_len=6,
                           max_seqlet_len=12, n_bins=300, additional_flanks=3)
params.to_csv(os.path.join(here, 'bpnet_params_f64.tsv'), sep='\t', index=False, float_format='%.17g')

sys.path.insert(0, os.path.join(here, '..', '..', '..', 'scripts'))
from bench_tangermeme import synthetic_tracks
tf = tfmodisco_seqlets(torch.from_numpy(synthetic_tracks(500)))
tf[tf.example_idx < 25].to_csv(os.path.join(here, 'synthetic500_tfmodisco_first25.tsv'), sep='\t',
                               index=False, float_format='%.17g')
