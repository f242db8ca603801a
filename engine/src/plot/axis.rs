//! Axis ticks: round tick values and their labels, and a linear data → pixel map.

/// A linear map from the data interval `[lo, hi]` to the pixel interval `[p0, p1]` (`p1 < p0`
/// for a y axis pointing up).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scale {
    pub lo: f64,
    pub hi: f64,
    pub p0: f64,
    pub p1: f64,
}

impl Scale {
    /// The pixel coordinate of the data value `v`.
    pub fn px(&self, v: f64) -> f64 {
        let span = self.hi - self.lo;
        if span == 0.0 {
            self.p0
        } else {
            self.p0 + (v - self.lo) / span * (self.p1 - self.p0)
        }
    }
}

/// Round tick values ({1, 2, 2.5, 5} × 10ᵏ apart) inside `[lo, hi]`, at most about `max_ticks`
/// of them, and the number of decimals their labels need.
pub(crate) fn ticks(lo: f64, hi: f64, max_ticks: usize) -> (Vec<f64>, usize) {
    if hi <= lo || !lo.is_finite() || !hi.is_finite() {
        return (vec![lo], decimals_for(lo.abs()));
    }
    let raw = (hi - lo) / max_ticks.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * mag);
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    let values = (first..=last)
        .map(|i| i as f64 * step)
        .map(|v| if v == 0.0 { 0.0 } else { v });
    (values.collect(), decimals_for(step))
}

/// Decimals needed to tell multiples of `step` apart.
fn decimals_for(step: f64) -> usize {
    if step <= 0.0 || !step.is_finite() {
        return 0;
    }
    let mut decimals = 0;
    while decimals < 12
        && ((step * 10f64.powi(decimals as i32)).round() - step * 10f64.powi(decimals as i32)).abs()
            > 1e-6
    {
        decimals += 1;
    }
    decimals
}

/// The label of a tick value: fixed-point with `decimals` decimals, or scientific notation for
/// values whose fixed-point label would be long (|v| ≥ 10⁶ or steps below 10⁻⁴).
pub(crate) fn label(v: f64, decimals: usize) -> String {
    if v == 0.0 {
        return "0".to_owned();
    }
    if decimals > 4 || v.abs() >= 1e6 {
        let s = format!("{v:.1e}");
        return s.replace(".0e", "e");
    }
    let s = format!("{v:.decimals$}");
    if s.starts_with('-') && s.trim_start_matches(['-', '0', '.']).is_empty() {
        "0".into()
    } else {
        s
    }
}

/// Python's `'{:3.3}'.format(x)`: three significant digits, scientific notation when the
/// decimal exponent is below −4 or at least 2, and at least one decimal otherwise (tangermeme's
/// annotation scores).
pub(crate) fn three_significant(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let exp = x.abs().log10().floor() as i32;
    // Rounding may carry into the next power of ten (9.996 → 10.0).
    let exp = if (x.abs() / 10f64.powi(exp) * 100.0).round() >= 1000.0 {
        exp + 1
    } else {
        exp
    };
    if !(-4..2).contains(&exp) {
        let s = format!("{x:.2e}");
        let (mantissa, e) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = trim_fraction(mantissa);
        let e: i32 = e.parse().unwrap_or(0);
        let sign = if e < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", e.abs())
    } else {
        let decimals = (2 - exp).max(0) as usize;
        let s = trim_fraction(&format!("{x:.decimals$}")).to_owned();
        if s.contains('.') { s } else { s + ".0" }
    }
}

fn trim_fraction(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_inside() {
        assert_eq!(
            ticks(0.0, 10.0, 5),
            (vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0], 0)
        );
        assert_eq!(ticks(-0.013, 0.052, 4), (vec![0.0, 0.02, 0.04], 2));
        assert_eq!(
            ticks(-0.013, 0.052, 8).0,
            vec![-0.01, 0.0, 0.01, 0.02, 0.03, 0.04, 0.05]
        );
        assert_eq!(ticks(0.0, 1.0, 4), (vec![0.0, 0.25, 0.5, 0.75, 1.0], 2));
        assert_eq!(ticks(3.0, 3.0, 4), (vec![3.0], 0));
        assert_eq!(
            ticks(100.0, 160.0, 6).0,
            vec![100.0, 110.0, 120.0, 130.0, 140.0, 150.0, 160.0]
        );
    }

    #[test]
    fn labels_are_short() {
        assert_eq!(label(0.25, 2), "0.25");
        assert_eq!(label(12.0, 0), "12");
        assert_eq!(label(2e-5, 5), "2e-5");
        assert_eq!(label(-0.0, 2), "0");
        assert_eq!(label(3e6, 0), "3e6");
    }

    #[test]
    fn three_significant_digits_like_python() {
        // Values checked against Python: '{:3.3}'.format(x).
        assert_eq!(three_significant(0.000123456), "0.000123");
        assert_eq!(three_significant(1.23456e-5), "1.23e-05");
        assert_eq!(three_significant(0.5), "0.5");
        assert_eq!(three_significant(12.345), "12.3");
        assert_eq!(three_significant(999.7), "1e+03");
        assert_eq!(three_significant(1234.0), "1.23e+03");
        assert_eq!(three_significant(-0.0421), "-0.0421");
        assert_eq!(three_significant(12.0), "12.0");
        assert_eq!(three_significant(100.0), "1e+02");
        assert_eq!(three_significant(250.0), "2.5e+02");
        assert_eq!(three_significant(99.99), "1e+02");
        assert_eq!(three_significant(0.00012), "0.00012");
    }

    #[test]
    fn scale_maps_linearly() {
        let s = Scale {
            lo: -1.0,
            hi: 1.0,
            p0: 100.0,
            p1: 0.0,
        };
        assert_eq!(s.px(-1.0), 100.0);
        assert_eq!(s.px(0.0), 50.0);
        assert_eq!(s.px(1.0), 0.0);
    }
}
