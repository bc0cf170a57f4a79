//! Byte sizes as users write them: `200MB`, `1GiB`, `512KB`, `1048576`.
//!
//! Decimal units are powers of ten (`KB` = 10^3, `MB` = 10^6, `GB` = 10^9, `TB` = 10^12),
//! binary units powers of two (`KiB` = 2^10, `MiB` = 2^20, `GiB` = 2^30, `TiB` = 2^40),
//! as Kubernetes and Mizu's `max-entries-db-size` (`200MB`) mean them. Single letters
//! (`K`, `M`, `G`, `T`) are binary, like `mizu read --max-body 1M`. Case does not matter
//! and a space may separate the number and the unit; fractions (`1.5GB`) are accepted.

/// Parses a size; the error says what is wrong and shows an example.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let bad = || format!("`{s}` is not a size: write e.g. 200MB, 1GiB, 512KB or 1048576");
    if num.is_empty() {
        return Err(bad());
    }
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "t" | "tib" => 1 << 40,
        other => {
            return Err(format!(
                "unknown size unit `{other}` in `{s}`: use B, KB, MB, GB (10^3…) or KiB, MiB, GiB (2^10…)"
            ));
        }
    };
    if let Ok(n) = num.parse::<u64>() {
        return n
            .checked_mul(mult)
            .ok_or_else(|| format!("`{s}` is too large"));
    }
    let f: f64 = num.parse().map_err(|_| bad())?;
    let v = f * mult as f64;
    if !v.is_finite() || v < 0.0 || v >= u64::MAX as f64 {
        return Err(format!("`{s}` is too large"));
    }
    Ok(v as u64)
}

/// Formats bytes for humans: `200.0 MB`, `512 B`.
pub fn format_size(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1000.0 && i + 1 < UNITS.len() {
        v /= 1000.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_and_binary_units() {
        assert_eq!(parse_size("200MB"), Ok(200_000_000));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("512KB"), Ok(512_000));
        assert_eq!(parse_size("512kib"), Ok(512 << 10));
        assert_eq!(parse_size("1048576"), Ok(1_048_576));
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size(" 2 GB "), Ok(2_000_000_000));
        assert_eq!(parse_size("1.5GB"), Ok(1_500_000_000));
        assert!(parse_size("12Q").is_err_and(|e| e.contains("unknown size unit")));
        assert!(parse_size("MB").is_err());
        assert!(parse_size("lots").is_err());
        assert!(parse_size("99999999999999999999TB").is_err());
        assert_eq!(format_size(200_000_000), "200.0 MB");
        assert_eq!(format_size(12), "12 B");
    }
}
