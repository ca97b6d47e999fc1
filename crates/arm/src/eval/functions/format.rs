//! .NET composite formatting for `format()`: `{index[,alignment][:formatString]}` with `{{`/`}}`
//! escapes, and the standard numeric format strings (`N`, `D`, `X`, `F`, `P`, `C`, `E`, `G`) plus
//! simple custom ones (`000`, `#,##0.00`).

use super::to_arm_string;
use crate::value::Value;

/// Formats `template` with `args`; `Err` carries the message.
pub(crate) fn composite(template: &str, args: &[Value]) -> Result<String, String> {
    let chars: Vec<char> = template.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '{' if chars.get(i + 1) == Some(&'{') => {
                out.push('{');
                i += 2;
            }
            '}' if chars.get(i + 1) == Some(&'}') => {
                out.push('}');
                i += 2;
            }
            '{' => {
                let close = chars[i..]
                    .iter()
                    .position(|c| *c == '}')
                    .map(|p| p + i)
                    .ok_or_else(|| {
                        format!(
                            "the format string has an unclosed '{{' at character {}",
                            i + 1
                        )
                    })?;
                let item: String = chars[i + 1..close].iter().collect();
                out.push_str(&format_item(&item, args)?);
                i = close + 1;
            }
            '}' => {
                return Err(format!(
                    "the format string has an unmatched '}}' at character {}",
                    i + 1
                ))
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

fn format_item(item: &str, args: &[Value]) -> Result<String, String> {
    let (head, spec) = match item.split_once(':') {
        Some((h, s)) => (h, Some(s)),
        None => (item, None),
    };
    let (index, align) = match head.split_once(',') {
        Some((i, a)) => (
            i,
            Some(
                a.trim()
                    .parse::<i64>()
                    .map_err(|_| format!("'{a}' is not a valid alignment in '{{{item}}}'"))?,
            ),
        ),
        None => (head, None),
    };
    let index: usize = index
        .trim()
        .parse()
        .map_err(|_| format!("'{{{item}}}' is not a valid format item"))?;
    let value = args.get(index).ok_or_else(|| {
        format!(
            "the format item '{{{item}}}' refers to argument {index}, but only {} were given",
            args.len()
        )
    })?;
    let text = match (value, spec) {
        (Value::Int(n), Some(spec)) => format_number(*n as f64, true, spec)?,
        (Value::Float(x), Some(spec)) => format_number(*x, false, spec)?,
        (Value::Float(x), None) => format_float_general(*x),
        (v, _) => to_arm_string(v),
    };
    Ok(match align {
        Some(w) if w > 0 => format!("{text:>width$}", width = w as usize),
        Some(w) if w < 0 => format!("{text:<width$}", width = w.unsigned_abs() as usize),
        _ => text,
    })
}

fn format_float_general(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

fn group_thousands(digits: &str) -> String {
    let mut out = String::new();
    let n = digits.len();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (n - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Fixed-point with `decimals` digits, optionally grouped, with a leading `-` when negative.
fn fixed(x: f64, decimals: usize, grouped: bool) -> String {
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let int = if grouped {
        group_thousands(int)
    } else {
        int.to_string()
    };
    let sign = if x < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

fn format_number(x: f64, integral: bool, spec: &str) -> Result<String, String> {
    let mut chars = spec.chars();
    let kind = chars.next().unwrap_or('G');
    let rest: String = chars.collect();
    let precision: Option<usize> = if rest.is_empty() {
        None
    } else {
        rest.parse().ok()
    };
    let standard = rest.is_empty() || precision.is_some();
    if standard {
        match kind.to_ascii_uppercase() {
            'N' => return Ok(fixed(x, precision.unwrap_or(2), true)),
            'F' => return Ok(fixed(x, precision.unwrap_or(2), false)),
            'C' => {
                let body = fixed(x.abs(), precision.unwrap_or(2), true);
                return Ok(if x < 0.0 {
                    format!("(${body})")
                } else {
                    format!("${body}")
                });
            }
            'P' => {
                return Ok(format!(
                    "{} %",
                    fixed(x * 100.0, precision.unwrap_or(2), true)
                ))
            }
            'D' if integral => {
                let digits = format!(
                    "{:0width$}",
                    (x as i64).unsigned_abs(),
                    width = precision.unwrap_or(0)
                );
                return Ok(if x < 0.0 {
                    format!("-{digits}")
                } else {
                    digits
                });
            }
            'X' if integral => {
                let n = x as i64;
                let s = if kind == 'x' {
                    format!("{n:0width$x}", width = precision.unwrap_or(0))
                } else {
                    format!("{n:0width$X}", width = precision.unwrap_or(0))
                };
                return Ok(s);
            }
            'E' => {
                let p = precision.unwrap_or(6);
                let s = format!("{:.*e}", p, x);
                let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
                let e: i32 = exp.parse().unwrap_or(0);
                let sign = if e < 0 { '-' } else { '+' };
                return Ok(format!("{mant}{kind}{sign}{:03}", e.abs()));
            }
            'G' | 'R' => {
                return Ok(if integral {
                    format!("{}", x as i64)
                } else {
                    format_float_general(x)
                })
            }
            _ => {}
        }
    }
    custom_number(x, spec)
}

/// Custom numeric formats made of `0`, `#`, `,` and `.`; other characters are literals.
fn custom_number(x: f64, spec: &str) -> Result<String, String> {
    let (int_pat, frac_pat) = spec.split_once('.').unwrap_or((spec, ""));
    let first_placeholder = int_pat.find(['0', '#']);
    let last_placeholder = frac_pat
        .rfind(['0', '#'])
        .or_else(|| int_pat.rfind(['0', '#']));
    let (prefix, suffix) = match (first_placeholder, last_placeholder) {
        (Some(f), _) if frac_pat.is_empty() => {
            let l = int_pat.rfind(['0', '#']).unwrap_or(f);
            (&int_pat[..f], &int_pat[l + 1..])
        }
        (Some(f), Some(l)) => (&int_pat[..f], &frac_pat[l + 1..]),
        _ => return Err(format!("'{spec}' is not a supported numeric format")),
    };
    let int_core = &int_pat[prefix.len()..];
    let frac_core = if frac_pat.is_empty() {
        ""
    } else {
        &frac_pat[..frac_pat.len() - suffix.len()]
    };
    let min_int = int_core.chars().filter(|c| *c == '0').count();
    let grouped = int_core.contains(',');
    let min_frac = frac_core.chars().filter(|c| *c == '0').count();
    let max_frac = frac_core.chars().filter(|c| *c == '0' || *c == '#').count();
    let s = format!("{:.*}", max_frac, x.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let mut frac = frac.to_string();
    while frac.len() > min_frac && frac.ends_with('0') {
        frac.pop();
    }
    let int = int.trim_start_matches('0');
    let int = format!("{int:0>min_int$}");
    let int = if grouped { group_thousands(&int) } else { int };
    let sign = if x < 0.0 { "-" } else { "" };
    let body = if frac.is_empty() {
        int
    } else {
        format!("{int}.{frac}")
    };
    Ok(format!("{sign}{prefix}{body}{suffix}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(t: &str, args: &[Value]) -> String {
        composite(t, args).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn composite_formatting() {
        let args = [Value::from("User"), Value::Int(8175133), Value::Bool(true)];
        // The documented example of format().
        assert_eq!(fmt("{0}, {1:N0}", &args), "User, 8,175,133");
        assert_eq!(fmt("{2}", &args), "True");
        assert_eq!(fmt("{{{0}}}", &args), "{User}");
        assert_eq!(fmt("{1:D10}", &args), "0008175133");
        assert_eq!(fmt("{1:X}", &args), "7CBE1D");
        assert_eq!(fmt("{1:N2}", &args), "8,175,133.00");
        assert_eq!(fmt("[{0,6}]", &args), "[  User]");
        assert_eq!(fmt("[{0,-6}]", &args), "[User  ]");
        assert_eq!(fmt("{1:000000000}", &args), "008175133");
        assert_eq!(fmt("{1:P0}", &[Value::Int(0), Value::Int(1)]), "100 %");
    }

    #[test]
    fn bad_formats() {
        assert!(composite("{0", &[]).is_err());
        assert!(composite("{1}", &[Value::Int(1)]).is_err());
        assert!(composite("}", &[]).is_err());
        assert!(composite("{x}", &[]).is_err());
    }
}
