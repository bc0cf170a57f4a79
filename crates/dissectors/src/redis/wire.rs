//! Recognising where a Redis message starts, without allocating: the probe patterns and
//! the resynchronisation scan after gaps and garbage.
//!
//! A request starts with `*N\r\n$M\r\n` (sane `N` ≤ [`MAX_ARGS`], `M` ≤ 512 MB) or, at a line
//! start, with a known command word followed by a space or the line end (inline command).
//! A reply starts at a line start with a type byte and a well-formed type line: `+text`,
//! `-ERRWORD …`, `:int`, `$len`, `*count` (then another type byte), `_`, `#t`, `,1.5`, …

use mizu_dissect::Probe;

use super::command::is_command;
use super::resp::parse_int;

/// Largest argument count accepted as a plausible command start.
pub(crate) const MAX_ARGS: i64 = 1 << 20;

/// Verdict about a position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum At {
    Yes,
    No,
    /// Could be, with more bytes.
    Maybe,
}

/// The digits line `<int>\r\n` at the start of `d`: `Ok((value, bytes))`, `Err(true)` when
/// incomplete, `Err(false)` when malformed.
fn int_line(d: &[u8]) -> Result<(i64, usize), bool> {
    for (i, &c) in d.iter().enumerate() {
        match c {
            b'0'..=b'9' => {}
            b'-' if i == 0 => {}
            b'\r' => {
                return match d.get(i + 1) {
                    None => Err(true),
                    Some(b'\n') => parse_int(&d[..i]).map(|v| (v, i + 2)).ok_or(false),
                    Some(_) => Err(false),
                };
            }
            _ => return Err(false),
        }
        if i >= 20 {
            return Err(false);
        }
    }
    Err(true)
}

/// A RESP command array start: `*N\r\n$M\r\n`. Returns the offset of the first bulk's
/// content on success.
fn array_start(d: &[u8]) -> Result<usize, At> {
    if d.first() != Some(&b'*') {
        return Err(if d.is_empty() { At::Maybe } else { At::No });
    }
    let (n, a) = match int_line(&d[1..]) {
        Ok(v) => v,
        Err(true) => return Err(At::Maybe),
        Err(false) => return Err(At::No),
    };
    if !(1..=MAX_ARGS).contains(&n) {
        return Err(At::No);
    }
    let rest = &d[1 + a..];
    match rest.first() {
        None => return Err(At::Maybe),
        Some(b'$') => {}
        Some(_) => return Err(At::No),
    }
    match int_line(&rest[1..]) {
        Ok((m, b)) if (0..=512 << 20).contains(&m) => Ok(1 + a + 1 + b),
        Ok(_) | Err(false) => Err(At::No),
        Err(true) => Err(At::Maybe),
    }
}

/// A known command word at the start of `d`, followed by a space or a line end.
fn command_word(d: &[u8]) -> At {
    for (i, &c) in d.iter().enumerate().take(17) {
        if c.is_ascii_alphabetic() {
            continue;
        }
        if i > 0 && matches!(c, b' ' | b'\r' | b'\n' | b'\t') {
            return if is_command(&d[..i]) { At::Yes } else { At::No };
        }
        return At::No;
    }
    if d.len() > 16 { At::No } else { At::Maybe }
}

/// Could a request start at `d` (`line_start`: the previous byte was a line feed)?
pub(crate) fn request_at(d: &[u8], line_start: bool) -> At {
    match array_start(d) {
        Ok(_) => At::Yes,
        Err(At::Maybe) if d.first() == Some(&b'*') => At::Maybe,
        Err(_) if line_start => command_word(d),
        Err(_) => At::No,
    }
}

/// Could a reply start at `d`?
pub(crate) fn reply_at(d: &[u8], line_start: bool) -> At {
    if !line_start {
        return At::No;
    }
    let Some((&t, rest)) = d.split_first() else {
        return At::Maybe;
    };
    match t {
        b'+' => {
            for (i, &c) in rest.iter().enumerate().take(256) {
                if c == b'\r' {
                    return match rest.get(i + 1) {
                        None => At::Maybe,
                        Some(b'\n') if i > 0 => At::Yes,
                        Some(_) => At::No,
                    };
                }
                if !(c.is_ascii_graphic() || c == b' ') {
                    return At::No;
                }
            }
            if rest.len() >= 256 { At::No } else { At::Maybe }
        }
        b'-' => {
            for (i, &c) in rest.iter().enumerate().take(32) {
                if c.is_ascii_uppercase() {
                    continue;
                }
                return if i >= 2 && matches!(c, b' ' | b'\r') {
                    At::Yes
                } else {
                    At::No
                };
            }
            if rest.len() >= 32 { At::No } else { At::Maybe }
        }
        b':' | b'$' => match int_line(rest) {
            Ok((v, _)) if t == b':' || v >= -1 => At::Yes,
            Ok(_) | Err(false) => At::No,
            Err(true) => At::Maybe,
        },
        b'*' | b'%' | b'~' | b'>' => match int_line(rest) {
            Ok((-1, _)) if t == b'*' => At::Yes,
            Ok((0, _)) => At::Yes,
            Ok((n, used)) if (1..=MAX_ARGS).contains(&n) => match rest.get(used) {
                None => At::Maybe,
                Some(c) if b"+-:$*_#,(!=%~>|".contains(c) => At::Yes,
                Some(_) => At::No,
            },
            Ok(_) | Err(false) => At::No,
            Err(true) => At::Maybe,
        },
        b'_' | b'#' | b',' => {
            let want: &[&[u8]] = match t {
                b'_' => &[b"\r\n"],
                b'#' => &[b"t\r\n", b"f\r\n"],
                _ => &[],
            };
            if t == b',' {
                return match int_line(rest) {
                    Ok(_) => At::Yes,
                    Err(true) => At::Maybe,
                    Err(false) => {
                        // Doubles: digits, sign, dot, exponent, inf, nan.
                        let line = rest.iter().position(|&c| c == b'\r');
                        match line {
                            Some(i) if i > 0 && rest.get(i + 1) == Some(&b'\n') => {
                                if rest[..i].iter().all(|c| b"0123456789+-.eEinfa".contains(c)) {
                                    At::Yes
                                } else {
                                    At::No
                                }
                            }
                            Some(_) => At::No,
                            None if rest.len() < 32 => At::Maybe,
                            None => At::No,
                        }
                    }
                };
            }
            for w in want {
                let n = w.len().min(rest.len());
                if rest[..n] == w[..n] {
                    return if n == w.len() { At::Yes } else { At::Maybe };
                }
            }
            At::No
        }
        _ => At::No,
    }
}

/// Scans `d` for the first position where `f` says `Yes` or `Maybe`: `(offset, found)`,
/// `found` false for a `Maybe` (wait for more bytes) or nothing at all (offset = len).
pub(crate) fn find(d: &[u8], line_start: bool, f: fn(&[u8], bool) -> At) -> (usize, bool) {
    for p in 0..d.len() {
        let ls = if p == 0 {
            line_start
        } else {
            d[p - 1] == b'\n'
        };
        match f(&d[p..], ls) {
            At::Yes => return (p, true),
            At::Maybe => return (p, false),
            At::No => {}
        }
    }
    (d.len(), false)
}

/// The probe: a command (array or inline) means the client sent the bytes, a reply the
/// server. `known_from_client`: who sent them, when the handshake or a Redis port says.
/// `to_redis_port`: the bytes travel to a usual Redis port (then inline commands with bare
/// `\n` line ends, as `printf 'SET k 1\nGET k\n' | redis-cli --pipe` sends, are taken too).
pub(crate) fn probe(d: &[u8], known_from_client: Option<bool>, to_redis_port: bool) -> Probe {
    match array_start(d) {
        Ok(off) => {
            // `*N\r\n$M\r\nWORD`: a command when WORD is a known command name; a server
            // array of bulk strings looks the same, so without a handshake decide by name.
            let word = &d[off..];
            let end = word.iter().position(|&c| c == b'\r');
            let from_client = match end {
                Some(e) => is_command(&word[..e]),
                None if word.len() < 17 => return Probe::NeedMore,
                None => false,
            };
            return Probe::Match {
                from_client: known_from_client.unwrap_or(from_client),
            };
        }
        Err(At::Maybe) => return Probe::NeedMore,
        Err(_) => {}
    }
    match command_word(d) {
        At::Yes if known_from_client == Some(false) => return Probe::NoMatch,
        At::Yes if to_redis_port => return inline_lines(d),
        At::Yes => {
            // An inline command: the whole line, and not an HTTP request line (`GET / HTTP/1.1`).
            let Some(nl) = d.iter().take(1024).position(|&c| c == b'\n') else {
                return if d.len() < 1024 {
                    Probe::NeedMore
                } else {
                    Probe::NoMatch
                };
            };
            // Off the Redis port, stricter than the session (which takes any inline
            // command once the connection is known to be Redis): text bodies of other
            // protocols start with words like "hello" too. Telnet sends CRLF lines, and a
            // probed segment of inline commands ends at a line end.
            let crlf = nl > 0 && d[nl - 1] == b'\r' && d.ends_with(b"\r\n");
            if !crlf || d[..nl].windows(5).any(|w| w == b"HTTP/") {
                return Probe::NoMatch;
            }
            return Probe::Match { from_client: true };
        }
        At::Maybe => return Probe::NeedMore,
        At::No => {}
    }
    match d.first() {
        Some(b'+' | b'-' | b':' | b'$' | b'*' | b'%' | b'>' | b'_' | b'#' | b'~' | b',') => {}
        _ => return Probe::NoMatch,
    }
    match reply_at(d, true) {
        At::Yes => Probe::Match { from_client: false },
        At::Maybe => Probe::NeedMore,
        At::No => Probe::NoMatch,
    }
}

/// Inline commands sent to a Redis port: every complete line (up to 8, CRLF or bare LF)
/// is a known command word followed by a space or the line end, or a RESP array starts
/// (`redis-cli --pipe` appends its RESP `ECHO` marker to the file's lines); never an HTTP
/// request line. At least one complete line is needed.
fn inline_lines(d: &[u8]) -> Probe {
    let mut at = 0;
    for _ in 0..8 {
        let rest = &d[at..];
        if rest.is_empty() {
            break;
        }
        let Some(nl) = rest.iter().take(1024).position(|&c| c == b'\n') else {
            if at > 0 {
                break;
            }
            return if rest.len() < 1024 {
                Probe::NeedMore
            } else {
                Probe::NoMatch
            };
        };
        if at > 0 && rest.first() == Some(&b'*') {
            break;
        }
        let line = &rest[..nl];
        if command_word(rest) != At::Yes || line.windows(5).any(|w| w == b"HTTP/") {
            return Probe::NoMatch;
        }
        at += nl + 1;
    }
    Probe::Match { from_client: true }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_starts() {
        assert_eq!(request_at(b"*3\r\n$3\r\nSET\r\n", false), At::Yes);
        assert_eq!(request_at(b"*3\r\n$", false), At::Maybe);
        assert_eq!(request_at(b"*0\r\n", false), At::No);
        assert_eq!(request_at(b"*99999999\r\n$3\r\n", false), At::No);
        assert_eq!(request_at(b"SET k v\r\n", true), At::Yes);
        assert_eq!(request_at(b"SET k v\r\n", false), At::No);
        assert_eq!(request_at(b"SE", true), At::Maybe);
        assert_eq!(request_at(b"HELLOWORLD x", true), At::No);
    }

    #[test]
    fn reply_starts() {
        assert_eq!(reply_at(b"+OK\r\n", true), At::Yes);
        assert_eq!(reply_at(b"+OK\r\n", false), At::No);
        assert_eq!(reply_at(b"-ERR unknown\r\n", true), At::Yes);
        assert_eq!(reply_at(b"-err\r\n", true), At::No);
        assert_eq!(reply_at(b":12\r\n", true), At::Yes);
        assert_eq!(reply_at(b"$-1\r\n", true), At::Yes);
        assert_eq!(reply_at(b"$-2\r\n", true), At::No);
        assert_eq!(reply_at(b"*2\r\n$1\r\n", true), At::Yes);
        assert_eq!(reply_at(b"*2\r\nx", true), At::No);
        assert_eq!(reply_at(b"%1\r\n+a\r\n", true), At::Yes);
        assert_eq!(reply_at(b"_\r\n", true), At::Yes);
        assert_eq!(reply_at(b"#t\r\n", true), At::Yes);
        assert_eq!(reply_at(b",1.5\r\n", true), At::Yes);
        assert_eq!(reply_at(b"hello", true), At::No);
    }

    #[test]
    fn probes() {
        let m = |d: &[u8]| probe(d, None, false);
        assert_eq!(
            m(b"*1\r\n$4\r\nPING\r\n"),
            Probe::Match { from_client: true }
        );
        assert_eq!(
            m(b"*2\r\n$3\r\nfoo\r\n$3\r\nbar\r\n"),
            Probe::Match { from_client: false }
        );
        assert_eq!(m(b"PING\r\n"), Probe::Match { from_client: true });
        assert_eq!(
            m(b"SET k v\r\nGET k\r\n"),
            Probe::Match { from_client: true }
        );
        // Text that merely starts with a command word (an HTTP body: "hello …\n").
        assert_eq!(m(b"hello from the server\n"), Probe::NoMatch);
        assert_eq!(m(b"SET k v\r\nGET"), Probe::NoMatch);
        assert_eq!(m(b"GET / HTTP/1.1\r\n"), Probe::NoMatch);
        assert_eq!(m(b"GET /"), Probe::NeedMore);
        assert_eq!(m(b"+OK\r\n"), Probe::Match { from_client: false });
        assert_eq!(m(b"-ERR x\r\n"), Probe::Match { from_client: false });
        assert_eq!(m(b"HTTP/1.1 200 OK\r\n"), Probe::NoMatch);
        assert_eq!(m(b"\x16\x03\x01"), Probe::NoMatch);
        assert_eq!(m(b"*"), Probe::NeedMore);
        // Bare line feeds off the Redis port stay unmatched (text bodies).
        assert_eq!(m(b"SET p1 1\nGET p1\n"), Probe::NoMatch);
    }

    #[test]
    fn inline_commands_to_the_redis_port() {
        let m = |d: &[u8]| probe(d, None, true);
        let client = Probe::Match { from_client: true };
        // `printf 'SET p1 1\nGET p1\n' | redis-cli --pipe`, with and without its marker.
        assert_eq!(m(b"SET p1 1\nGET p1\n"), client);
        assert_eq!(m(b"SET p1 1\nGET p1\n*2\r\n$4\r\nECHO\r\n$20\r\n"), client);
        assert_eq!(m(b"SET p1 1\r\nGET p1\r\n"), client);
        // A segment that ends inside a line: the complete lines decide.
        assert_eq!(m(b"SET p1 1\nGET p1\nINC"), client);
        assert_eq!(m(b"SET p1 1"), Probe::NeedMore);
        assert_eq!(m(b"SET p1 1\nnot a command\n"), Probe::NoMatch);
        assert_eq!(m(b"GET / HTTP/1.1\r\nHost: x\r\n"), Probe::NoMatch);
        assert_eq!(probe(b"SET p1 1\n", Some(false), true), Probe::NoMatch);
    }
}
