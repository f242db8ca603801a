//! Weighted isotonic regression with scikit-learn 1.9's `IsotonicRegression(out_of_bounds=
//! 'clip')` semantics: points sorted by `(x, y)`, duplicates of `x` (closer than 1e-15) pooled
//! into their weighted mean, SciPy's pool-adjacent-violators (Busing 2022) in float64, the fit
//! trimmed to the ends of its constant runs, and predictions by `numpy.interp` on the clipped
//! input.

use std::cmp::Ordering;

/// A fitted isotonic step function.
#[derive(Debug, Clone)]
pub(crate) struct IsotonicFit {
    xs: Vec<f64>,
    ys: Vec<f64>,
    x_min: f64,
    x_max: f64,
}

/// scikit-learn's `_make_unique` tolerance for float64 (`np.finfo(float64).resolution`).
const UNIQUE_EPS: f64 = 1e-15;

impl IsotonicFit {
    /// Fits `y` on `x` with positive weights `w` (equal lengths, at least one point, no NaN).
    pub fn new(x: &[f64], y: &[f64], w: &[f64], increasing: bool) -> Self {
        let mut order: Vec<usize> = (0..x.len()).collect();
        let cmp = |a: f64, b: f64| a.partial_cmp(&b).unwrap_or(Ordering::Equal);
        order.sort_by(|&a, &b| cmp(x[a], x[b]).then(cmp(y[a], y[b])));

        // Pool duplicates: a point joins the group while within UNIQUE_EPS of its first x.
        let (mut ux, mut uy, mut uw) = (Vec::new(), Vec::new(), Vec::new());
        let first = order[0];
        let (mut cx, mut cy, mut cw) = (x[first], 0.0f64, 0.0f64);
        for &j in &order {
            if x[j] - cx >= UNIQUE_EPS {
                ux.push(cx);
                uw.push(cw);
                uy.push(cy / cw);
                cx = x[j];
                cw = w[j];
                cy = y[j] * w[j];
            } else {
                cw += w[j];
                cy += y[j] * w[j];
            }
        }
        ux.push(cx);
        uw.push(cw);
        uy.push(cy / cw);

        let fitted = if increasing {
            pava(uy, uw)
        } else {
            uy.reverse();
            uw.reverse();
            let mut f = pava(uy, uw);
            f.reverse();
            f
        };

        let (x_min, x_max) = (ux[0], ux[ux.len() - 1]);
        let n = fitted.len();
        let keep = |i: usize| i == 0 || i == n - 1 || fitted[i] != fitted[i - 1] || fitted[i] != fitted[i + 1];
        let (xs, ys) = (0..n).filter(|&i| keep(i)).map(|i| (ux[i], fitted[i])).unzip();
        Self { xs, ys, x_min, x_max }
    }

    /// The fitted value at `t` (clipped to the range of the training `x`).
    pub fn predict(&self, t: f64) -> f64 {
        let t = t.clamp(self.x_min, self.x_max);
        if self.ys.len() == 1 {
            return self.ys[0];
        }
        interp(t, &self.xs, &self.ys)
    }

    /// Smallest training `x`.
    pub fn x_min(&self) -> f64 {
        self.x_min
    }

    /// Largest training `x`.
    pub fn x_max(&self) -> f64 {
        self.x_max
    }
}

/// SciPy's `pava` (Busing 2022, algorithm 1, with `>=` in the violation tests): the
/// non-decreasing weighted least-squares fit of `x`, in float64.
fn pava(mut x: Vec<f64>, mut w: Vec<f64>) -> Vec<f64> {
    let n = x.len();
    let mut r = vec![0usize; n + 1];
    r[1] = 1;
    let mut b = 0usize;
    let mut xb_prev = x[0];
    let mut wb_prev = w[0];
    let mut i = 1;
    while i < n {
        b += 1;
        let mut xb = x[i];
        let mut wb = w[i];
        if xb_prev >= xb {
            b -= 1;
            let mut sb = wb_prev * xb_prev + wb * xb;
            wb += wb_prev;
            xb = sb / wb;
            while i < n - 1 && xb >= x[i + 1] {
                i += 1;
                sb += w[i] * x[i];
                wb += w[i];
                xb = sb / wb;
            }
            while b > 0 && x[b - 1] >= xb {
                b -= 1;
                sb += w[b] * x[b];
                wb += w[b];
                xb = sb / wb;
            }
        }
        x[b] = xb;
        xb_prev = xb;
        w[b] = wb;
        wb_prev = wb;
        r[b + 1] = i + 1;
        i += 1;
    }
    let mut out = vec![0.0f64; n];
    for k in 0..=b {
        out[r[k]..r[k + 1]].fill(x[k]);
    }
    out
}

/// `numpy.interp(t, xp, fp)` for `t` within `[xp[0], xp[-1]]` (`xp` strictly increasing).
fn interp(t: f64, xp: &[f64], fp: &[f64]) -> f64 {
    let j = xp.partition_point(|&x| x <= t).saturating_sub(1);
    if j == xp.len() - 1 || xp[j] == t {
        return fp[j];
    }
    let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    let v = slope * (t - xp[j]) + fp[j];
    if !v.is_nan() {
        return v;
    }
    let v = slope * (t - xp[j + 1]) + fp[j + 1];
    if v.is_nan() && fp[j] == fp[j + 1] { fp[j] } else { v }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pava_matches_scipy_example() {
        // scipy.optimize.isotonic_regression docstring example.
        let y = [1.5, 1.0, 4.0, 6.0, 5.7, 5.0, 7.8, 9.0, 7.5, 9.5, 9.0];
        let got = pava(y.to_vec(), vec![1.0; y.len()]);
        let expected = [1.25, 1.25, 4.0, 5.566666666666666, 5.566666666666666, 5.566666666666666, 7.8, 8.25, 8.25, 9.25, 9.25];
        for (g, e) in got.iter().zip(expected) {
            assert!((g - e).abs() < 1e-12, "{got:?}");
        }
    }

    #[test]
    fn sklearn_docstring_example() {
        // isotonic_regression([5, 3, 1, 2, 8, 10, 7, 9, 6, 4]) -> 2.75 x4, 7.333 x6
        let x: Vec<f64> = (0..10).map(f64::from).collect();
        let y = [5.0, 3.0, 1.0, 2.0, 8.0, 10.0, 7.0, 9.0, 6.0, 4.0];
        let fit = IsotonicFit::new(&x, &y, &[1.0; 10], true);
        assert_eq!(fit.predict(1.0), 2.75);
        assert!((fit.predict(9.0) - 44.0 / 6.0).abs() < 1e-12);
        // Between the two constant runs the fit is interpolated; outside it is clipped.
        assert!((fit.predict(3.5) - (2.75 + 44.0 / 6.0) / 2.0).abs() < 1e-12);
        assert_eq!(fit.predict(-5.0), 2.75);
        assert_eq!((fit.x_min(), fit.x_max()), (0.0, 9.0));
    }

    #[test]
    fn decreasing_fit_and_weighted_duplicates() {
        let x = [0.0, 1.0, 1.0, 2.0];
        let y = [1.0, 0.0, 1.0, 0.0];
        let w = [1.0, 1.0, 3.0, 1.0];
        let fit = IsotonicFit::new(&x, &y, &w, false);
        // x = 1 pools to (0*1 + 1*3) / 4 = 0.75; non-increasing fit: 1, 0.75, 0.
        assert_eq!([fit.predict(0.0), fit.predict(1.0), fit.predict(2.0)], [1.0, 0.75, 0.0]);
    }
}
