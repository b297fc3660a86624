//! The HTTP/1.1 request head parser: request line and header fields (RFC 9112), no
//! allocation, never a panic on any input.

/// The request methods the server tells apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    /// `GET`.
    Get,
    /// `HEAD`: as `GET`, without the body.
    Head,
    /// Any other well-formed method (answered 405).
    Other,
}

/// A parsed request head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Request<'a> {
    /// The method.
    pub(crate) method: Method,
    /// The request target as sent (origin form: starts with `/`).
    pub(crate) target: &'a [u8],
    /// Whether the connection stays open after the response: HTTP/1.1 unless
    /// `Connection: close`, HTTP/1.0 only with `Connection: keep-alive`.
    pub(crate) keep_alive: bool,
    /// HTTP/1.0 (the response then says `Connection: keep-alive` when it keeps it).
    pub(crate) http10: bool,
    /// The request announces a body (`Content-Length` above zero or
    /// `Transfer-Encoding`), which this server does not read.
    pub(crate) has_body: bool,
}

/// What [`parse`] found at the start of a buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Parse<'a> {
    /// No complete head yet: read more (if there is room).
    Partial,
    /// A complete head, and how many bytes of the buffer it took.
    Done(Request<'a>, usize),
    /// Not HTTP/1.x: answer 400 and close.
    Bad,
}

/// `tchar` of RFC 9110: the characters of a token (methods, field names).
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}

/// The index of the first `\r\n\r\n`, if any.
fn head_end(buf: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = buf[from..].iter().position(|&b| b == b'\n') {
        let nl = from + i;
        if nl >= 3 && &buf[nl - 3..=nl] == b"\r\n\r\n" {
            return Some(nl - 3);
        }
        from = nl + 1;
    }
    None
}

/// Splits `line` at the first `sep`.
fn split_once(line: &[u8], sep: u8) -> Option<(&[u8], &[u8])> {
    let i = line.iter().position(|&b| b == sep)?;
    Some((&line[..i], &line[i + 1..]))
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// Parses the request head at the start of `buf` (leading empty lines are skipped, as
/// RFC 9112 section 2.2 allows).
pub(crate) fn parse(buf: &[u8]) -> Parse<'_> {
    let mut start = 0;
    while buf[start..].starts_with(b"\r\n") {
        start += 2;
    }
    let Some(end) = head_end(&buf[start..]) else {
        return Parse::Partial;
    };
    // Every line of the head, the last included, ends with its '\r'.
    let head = &buf[start..=start + end];
    let consumed = start + end + 4;
    match parse_head(head) {
        Some(request) => Parse::Done(request, consumed),
        None => Parse::Bad,
    }
}

fn parse_head(head: &[u8]) -> Option<Request<'_>> {
    let mut lines = head.split(|&b| b == b'\n');
    let line = lines.next()?.strip_suffix(b"\r")?;
    let (method, rest) = split_once(line, b' ')?;
    let (target, version) = split_once(rest, b' ')?;
    if !is_token(method) || target.first() != Some(&b'/') {
        return None;
    }
    if target.iter().any(|&b| b <= b' ' || b == 0x7f) {
        return None;
    }
    let http10 = match version {
        b"HTTP/1.1" => false,
        b"HTTP/1.0" => true,
        _ => return None,
    };
    let mut keep_alive = !http10;
    let (mut hosts, mut has_body) = (0, false);
    for line in lines {
        let line = line.strip_suffix(b"\r")?;
        let (name, value) = split_once(line, b':')?;
        if !is_token(name) || value.iter().any(|&b| (b < b' ' && b != b'\t') || b == 0x7f) {
            return None;
        }
        let value = trim(value);
        if name.eq_ignore_ascii_case(b"host") {
            hosts += 1;
        } else if name.eq_ignore_ascii_case(b"connection") {
            for option in value.split(|&b| b == b',').map(trim) {
                if option.eq_ignore_ascii_case(b"close") {
                    keep_alive = false;
                } else if option.eq_ignore_ascii_case(b"keep-alive") && http10 {
                    keep_alive = true;
                }
            }
        } else if name.eq_ignore_ascii_case(b"content-length") {
            if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
                return None;
            }
            has_body |= value.iter().any(|&b| b != b'0');
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            has_body = true;
        }
    }
    // HTTP/1.1 requires exactly one Host (RFC 9112 section 3.2).
    if !http10 && hosts != 1 {
        return None;
    }
    let method = match method {
        b"GET" => Method::Get,
        b"HEAD" => Method::Head,
        _ => Method::Other,
    };
    Some(Request {
        method,
        target,
        keep_alive,
        http10,
        has_body,
    })
}

/// The path of a request target: the query cut off, `%XX` decoded into `out`. `None`
/// for a bad escape or a decoded NUL byte.
pub(crate) fn decode_path<'o>(target: &[u8], out: &'o mut [u8]) -> Option<&'o [u8]> {
    let path = target.split(|&b| b == b'?').next().unwrap_or_default();
    let mut len = 0;
    let mut i = 0;
    while i < path.len() {
        let b = match path[i] {
            b'%' => {
                let hex = path.get(i + 1..i + 3)?;
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                i += 2;
                u8::from_str_radix(core::str::from_utf8(hex).ok()?, 16).ok()?
            }
            b => b,
        };
        if b == 0 {
            return None;
        }
        *out.get_mut(len)? = b;
        len += 1;
        i += 1;
    }
    Some(&out[..len])
}
