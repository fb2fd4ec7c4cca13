//! Source decoding as CPython does it: a UTF-8 BOM, else a PEP 263 coding cookie on line 1 or 2, else UTF-8.
//!
//! The cookie search is a port of `get_coding_spec`/`check_coding_spec` from CPython's tokenizer, run on the
//! raw bytes with `\r\n` and `\r` counted as line ends, as `compile()` does after translating newlines.
//! Names go through CPython's `get_normal_name` first, so that `latin-1` means real ISO-8859-1 and not the
//! WHATWG reading of that label (windows-1252) that `encoding_rs` implements. Single-byte encodings are decoded
//! through a 256-entry table so that CPython's differences from WHATWG (undefined bytes in `cp125x`, C1
//! controls in the ISO sets) are kept and every error knows its byte position. Decoding is strict: one
//! malformed sequence makes the whole file undecodable, as it does for CPython.

use encoding_rs::{DecoderResult, Encoding};

/// Why a file's bytes are not Python source text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DecodeError {
    pub message: String,
    /// 1-based line of the offending bytes or cookie.
    pub line: u32,
}

const BOM: &[u8] = b"\xef\xbb\xbf";

/// Decodes a source file the way CPython's tokenizer would.
pub fn decode(bytes: &[u8]) -> Result<String, DecodeError> {
    let (body, bom_len) = match bytes.strip_prefix(BOM) {
        Some(rest) => (rest, BOM.len()),
        None => (bytes, 0),
    };
    let codec = match find_cookie(body) {
        None => Codec::Utf8,
        Some(cookie) if bom_len > 0 => {
            // CPython compares the normalised name with "utf-8" literally: `UTF8` with a BOM is an error too.
            if cookie.name != "utf-8" {
                return Err(DecodeError {
                    message: format!("encoding problem: {} with BOM", cookie.name),
                    line: cookie.line,
                });
            }
            Codec::Utf8
        }
        Some(cookie) => match lookup(&cookie.name) {
            Some(codec) => codec,
            None => {
                return Err(DecodeError { message: format!("unknown encoding: {}", cookie.name), line: cookie.line });
            }
        },
    };
    let text = codec
        .decode(body)
        .map_err(|error| DecodeError { message: error.message(bom_len), line: line_of_byte(body, error.position) })?;
    if let Some(nul) = text.find('\0') {
        return Err(DecodeError {
            message: "source code cannot contain null bytes".to_owned(),
            line: line_of_byte(text.as_bytes(), nul),
        });
    }
    Ok(text)
}

/// The 1-based line holding byte `position`, counting `\n`, `\r\n` and a lone `\r` as line ends.
fn line_of_byte(bytes: &[u8], position: usize) -> u32 {
    let before = &bytes[..position.min(bytes.len())];
    let mut line: u32 = 1;
    for (i, &b) in before.iter().enumerate() {
        let ends_line = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
        if ends_line {
            line = line.saturating_add(1);
        }
    }
    line
}

/// A coding cookie: the name after `get_normal_name`, and the line it is on.
#[derive(Debug, PartialEq, Eq)]
struct Cookie {
    name: String,
    line: u32,
}

/// Looks for the cookie on line 1, and on line 2 only when line 1 is blank or a comment.
fn find_cookie(body: &[u8]) -> Option<Cookie> {
    let mut lines = split_lines(body);
    let first = lines.next()?;
    match coding_spec(first) {
        Spec::Found(name) => return Some(Cookie { name, line: 1 }),
        Spec::StopSearching => return None,
        Spec::KeepLooking => {}
    }
    match coding_spec(lines.next()?) {
        Spec::Found(name) => Some(Cookie { name, line: 2 }),
        Spec::StopSearching | Spec::KeepLooking => None,
    }
}

/// Lines without their terminator; `\r\n` and a lone `\r` end a line as `\n` does.
fn split_lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = rest.iter().position(|&b| b == b'\n' || b == b'\r').unwrap_or(rest.len());
        let line = &rest[..end];
        let terminator = match rest.get(end..end + 2) {
            Some(b"\r\n") => 2,
            _ if end < rest.len() => 1,
            _ => 0,
        };
        rest = &rest[end + terminator..];
        Some(line)
    })
}

enum Spec {
    Found(String),
    /// The line holds code: CPython looks no further.
    StopSearching,
    /// The line is blank or a comment without a cookie.
    KeepLooking,
}

/// `^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)` on one line, as CPython's `get_coding_spec` implements it.
fn coding_spec(line: &[u8]) -> Spec {
    let is_blank = |b: &u8| matches!(b, b' ' | b'\t' | b'\x0c');
    let Some(hash) = line.iter().position(|b| !is_blank(b)) else {
        return Spec::KeepLooking;
    };
    if line[hash] != b'#' {
        return Spec::StopSearching;
    }
    let comment = &line[hash..];
    let mut from = 0;
    while let Some(found) = find(&comment[from..], b"coding") {
        let after = from + found + b"coding".len();
        from = after;
        if !matches!(comment.get(after), Some(b':' | b'=')) {
            continue;
        }
        let value = &comment[after + 1..];
        let value = &value[value.iter().position(|&b| b != b' ' && b != b'\t').unwrap_or(value.len())..];
        let len =
            value.iter().position(|&b| !(b.is_ascii_alphanumeric() || b"-_.".contains(&b))).unwrap_or(value.len());
        if len > 0 {
            // The bytes are ASCII by construction.
            let name = String::from_utf8_lossy(&value[..len]);
            return Spec::Found(normal_name(&name));
        }
    }
    Spec::KeepLooking
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// CPython's `get_normal_name`: spellings of UTF-8 and Latin-1 become `utf-8` and `iso-8859-1`, judged on the
/// first 12 characters, lower-cased, with `_` read as `-`.
fn normal_name(name: &str) -> String {
    let head: String = name.chars().take(12).map(|c| if c == '_' { '-' } else { c.to_ascii_lowercase() }).collect();
    if head == "utf-8" || head.starts_with("utf-8-") {
        return "utf-8".to_owned();
    }
    let latin1 = ["latin-1", "iso-8859-1", "iso-latin-1"];
    if latin1.iter().any(|l| head == *l || head.starts_with(&format!("{l}-"))) {
        return "iso-8859-1".to_owned();
    }
    name.to_owned()
}

/// How one encoding turns bytes into text.
enum Codec {
    Utf8,
    Ascii,
    /// A stateless single-byte encoding, byte → char (`None`: undefined).
    SingleByte(Box<[Option<char>; 256]>),
    MultiByte(&'static Encoding),
}

/// Resolves a (normalised) cookie name to a codec, CPython's aliases first, then the WHATWG labels.
fn lookup(name: &str) -> Option<Codec> {
    // Python's `encodings.normalize_encoding`, restricted to the characters a cookie can hold.
    let key = name.to_ascii_lowercase().replace('-', "_");
    const UTF8: &[&str] = &["utf_8", "utf8", "u8", "utf", "utf8_ucs2", "utf8_ucs4", "cp65001", "utf_8_sig", "utf8_sig"];
    const LATIN1: &[&str] = &[
        "iso_8859_1",
        "iso8859_1",
        "latin_1",
        "latin1",
        "latin",
        "l1",
        "iso8859",
        "8859",
        "cp819",
        "ibm819",
        "csisolatin1",
        "iso_ir_100",
        "iso_8859_1_1987",
    ];
    const ASCII: &[&str] = &[
        "ascii",
        "us_ascii",
        "us",
        "646",
        "ansi_x3.4_1968",
        "ansi_x3_4_1968",
        "ansi_x3.4_1986",
        "cp367",
        "csascii",
        "ibm367",
        "iso646_us",
        "iso_646.irv_1991",
        "iso_ir_6",
    ];
    // ISO sets that WHATWG reads as their Windows supersets; CPython maps 0x80-0x9F to C1 controls instead.
    const ISO_8859_9: &[&str] =
        &["iso8859_9", "iso_8859_9", "latin5", "l5", "iso_ir_148", "csisolatin5", "iso_8859_9_1989"];
    const ISO_8859_11: &[&str] = &["iso8859_11", "iso_8859_11", "thai", "iso_8859_11_2001"];
    const CP932: &[&str] = &["cp932", "ms932", "mskanji", "ms_kanji"];
    let key = key.as_str();
    if UTF8.contains(&key) {
        return Some(Codec::Utf8);
    }
    if ASCII.contains(&key) {
        return Some(Codec::Ascii);
    }
    if LATIN1.contains(&key) {
        let mut table = Box::new([None; 256]);
        for (byte, slot) in table.iter_mut().enumerate() {
            *slot = char::from_u32(byte as u32);
        }
        return Some(Codec::SingleByte(table));
    }
    if ISO_8859_9.contains(&key) {
        return Some(single_byte(encoding_rs::WINDOWS_1254, true));
    }
    if ISO_8859_11.contains(&key) {
        return Some(single_byte(encoding_rs::WINDOWS_874, true));
    }
    if CP932.contains(&key) {
        return Some(Codec::MultiByte(encoding_rs::SHIFT_JIS));
    }
    let encoding = Encoding::for_label(key.replace('_', "-").as_bytes())?;
    // WHATWG-only encodings: the replacement encoding decodes nothing, x-user-defined is unknown to Python.
    if encoding == encoding_rs::REPLACEMENT || encoding == encoding_rs::X_USER_DEFINED {
        return None;
    }
    if encoding == encoding_rs::UTF_8 {
        return Some(Codec::Utf8);
    }
    if encoding.is_single_byte() {
        return Some(single_byte(encoding, false));
    }
    Some(Codec::MultiByte(encoding))
}

/// Tabulates a single-byte encoding. WHATWG fills the holes of the `windows-*` code pages with C1 controls
/// where CPython's `cp125x` codecs leave them undefined; `c1_defined` keeps them for ISO sets read through a
/// Windows superset.
fn single_byte(encoding: &'static Encoding, c1_defined: bool) -> Codec {
    let windows = encoding.name().starts_with("windows-");
    let mut table = Box::new([None; 256]);
    for (byte, slot) in table.iter_mut().enumerate() {
        let raw = [byte as u8];
        let c1 = (0x80..=0x9f).contains(&byte);
        *slot = if c1 && c1_defined {
            char::from_u32(byte as u32)
        } else {
            encoding
                .decode_without_bom_handling_and_without_replacement(&raw)
                .and_then(|text| text.chars().next())
                .filter(|&c| !(windows && c1 && ('\u{80}'..='\u{9f}').contains(&c)))
        };
    }
    Codec::SingleByte(table)
}

/// A decoding failure at a byte offset of the body (after any BOM).
struct CodecError {
    position: usize,
    kind: CodecErrorKind,
}

enum CodecErrorKind {
    Utf8 { bytes: Vec<u8>, reason: &'static str },
    Ascii(u8),
    Charmap(u8),
    MultiByte { codec: String, byte: u8 },
}

impl CodecError {
    /// CPython's `UnicodeDecodeError` text; positions count from the start of the file.
    fn message(&self, offset: usize) -> String {
        let position = self.position + offset;
        match &self.kind {
            CodecErrorKind::Utf8 { bytes, reason } => match bytes.as_slice() {
                [byte] => format!("'utf-8' codec can't decode byte 0x{byte:02x} in position {position}: {reason}"),
                _ => format!(
                    "'utf-8' codec can't decode bytes in position {position}-{}: {reason}",
                    position + bytes.len().saturating_sub(1)
                ),
            },
            CodecErrorKind::Ascii(byte) => {
                format!(
                    "'ascii' codec can't decode byte 0x{byte:02x} in position {position}: ordinal not in range(128)"
                )
            }
            CodecErrorKind::Charmap(byte) => format!(
                "'charmap' codec can't decode byte 0x{byte:02x} in position {position}: character maps to <undefined>"
            ),
            CodecErrorKind::MultiByte { codec, byte } => {
                format!(
                    "'{codec}' codec can't decode byte 0x{byte:02x} in position {position}: illegal multibyte sequence"
                )
            }
        }
    }
}

impl Codec {
    fn decode(&self, body: &[u8]) -> Result<String, CodecError> {
        match self {
            Codec::Utf8 => decode_utf8(body),
            Codec::Ascii => match body.iter().position(|&b| b >= 0x80) {
                Some(position) => Err(CodecError { position, kind: CodecErrorKind::Ascii(body[position]) }),
                // Pure ASCII is valid UTF-8.
                None => Ok(String::from_utf8_lossy(body).into_owned()),
            },
            Codec::SingleByte(table) => {
                let mut text = String::with_capacity(body.len());
                for (position, &byte) in body.iter().enumerate() {
                    let Some(c) = table[usize::from(byte)] else {
                        return Err(CodecError { position, kind: CodecErrorKind::Charmap(byte) });
                    };
                    text.push(c);
                }
                Ok(text)
            }
            Codec::MultiByte(encoding) => decode_multi_byte(encoding, body),
        }
    }
}

fn decode_utf8(body: &[u8]) -> Result<String, CodecError> {
    match std::str::from_utf8(body) {
        Ok(text) => Ok(text.to_owned()),
        Err(error) => {
            let position = error.valid_up_to();
            let (len, reason) = match error.error_len() {
                None => (body.len() - position, "unexpected end of data"),
                Some(_) if matches!(body[position], 0xc2..=0xf4) => (1, "invalid continuation byte"),
                Some(_) => (1, "invalid start byte"),
            };
            let bytes = body[position..position + len].to_vec();
            Err(CodecError { position, kind: CodecErrorKind::Utf8 { bytes, reason } })
        }
    }
}

fn decode_multi_byte(encoding: &'static Encoding, body: &[u8]) -> Result<String, CodecError> {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let capacity = decoder.max_utf8_buffer_length_without_replacement(body.len()).unwrap_or(body.len());
    let mut text = String::with_capacity(capacity);
    let mut consumed = 0;
    loop {
        let (result, read) = decoder.decode_to_string_without_replacement(&body[consumed..], &mut text, true);
        consumed += read;
        match result {
            DecoderResult::InputEmpty => return Ok(text),
            DecoderResult::OutputFull => text.reserve((body.len() - consumed).saturating_mul(3).max(16)),
            DecoderResult::Malformed(bad, extra) => {
                let position = consumed.saturating_sub(usize::from(extra) + usize::from(bad));
                let codec = encoding.name().to_ascii_lowercase().replace('-', "_");
                let byte = body.get(position).copied().unwrap_or(0);
                return Err(CodecError { position, kind: CodecErrorKind::MultiByte { codec, byte } });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn ok(bytes: &[u8], expected: &str) {
        assert_eq!(decode(bytes), Ok(expected.to_owned()));
    }

    #[track_caller]
    fn err(bytes: &[u8], message: &str, line: u32) {
        assert_eq!(decode(bytes), Err(DecodeError { message: message.to_owned(), line }));
    }

    #[test]
    fn plain_utf8() {
        ok("x = 'café'\n".as_bytes(), "x = 'café'\n");
    }

    #[test]
    fn bom_is_stripped() {
        ok(b"\xef\xbb\xbfx = 1\n", "x = 1\n");
    }

    #[test]
    fn bom_with_utf8_cookie() {
        ok(b"\xef\xbb\xbf# coding: utf_8\nx = 1\n", "# coding: utf_8\nx = 1\n");
    }

    #[test]
    fn bom_with_latin1_cookie_is_a_conflict() {
        err(b"\xef\xbb\xbf# -*- coding: latin-1 -*-\nx = 1\n", "encoding problem: iso-8859-1 with BOM", 1);
    }

    #[test]
    fn bom_with_unnormalised_utf8_spelling_is_a_conflict() {
        // CPython compares the normalised name with "utf-8" literally.
        err(b"\xef\xbb\xbf# coding: UTF8\nx = 1\n", "encoding problem: UTF8 with BOM", 1);
    }

    #[test]
    fn latin1_cookie() {
        ok(b"# -*- coding: latin-1 -*-\nx = '\xe9'\n", "# -*- coding: latin-1 -*-\nx = 'é'\n");
    }

    #[test]
    fn latin1_spellings() {
        for name in ["latin-1", "iso-8859-1", "iso-latin-1", "latin_1", "ISO_8859_1", "latin-1-unix", "latin1", "l1"] {
            let source = format!("# coding: {name}\nx = '\u{e9}'\n");
            let bytes: Vec<u8> = source.chars().map(|c| c as u8).collect();
            assert_eq!(decode(&bytes).as_deref(), Ok(source.as_str()), "{name}");
        }
    }

    #[test]
    fn utf8_spellings() {
        for name in ["utf-8", "utf_8", "UTF8", "utf-8-unix", "u8", "UTF-8-SIG"] {
            let source = format!("# coding: {name}\nx = 'é'\n");
            assert_eq!(decode(source.as_bytes()).as_deref(), Ok(source.as_str()), "{name}");
        }
    }

    #[test]
    fn latin1_keeps_c1_controls_where_cp1252_has_letters() {
        // 0x80 is U+0080 in Latin-1 and € in cp1252; 0x81 is undefined in cp1252.
        ok(b"# coding: latin-1\nx = '\x80\x81\x9f'\n", "# coding: latin-1\nx = '\u{80}\u{81}\u{9f}'\n");
        ok(b"# coding: cp1252\nx = '\x80\x9f'\n", "# coding: cp1252\nx = '€Ÿ'\n");
        err(
            b"# coding: cp1252\nx = '\x81'\n",
            "'charmap' codec can't decode byte 0x81 in position 22: character maps to <undefined>",
            2,
        );
    }

    #[test]
    fn iso_8859_9_is_not_windows_1254() {
        ok(b"# coding: latin5\nx = '\x80\xd0'\n", "# coding: latin5\nx = '\u{80}Ğ'\n");
    }

    #[test]
    fn ascii_rejects_high_bytes() {
        ok(b"# coding: ascii\nx = 1\n", "# coding: ascii\nx = 1\n");
        err(
            b"# coding: us-ascii\nx = '\xe9'\n",
            "'ascii' codec can't decode byte 0xe9 in position 24: ordinal not in range(128)",
            2,
        );
    }

    #[test]
    fn cpython_aliases_missing_from_whatwg() {
        ok(b"# coding: euc_jp\nx = '\xa4\xa2'\n", "# coding: euc_jp\nx = 'あ'\n");
        ok(b"# coding: shift_jis\nx = '\x82\xa0'\n", "# coding: shift_jis\nx = 'あ'\n");
        ok(b"# coding: cp932\nx = '\x82\xa0'\n", "# coding: cp932\nx = 'あ'\n");
        ok(b"# coding: koi8_r\nx = '\xc1'\n", "# coding: koi8_r\nx = 'а'\n");
    }

    #[test]
    fn malformed_multi_byte() {
        err(
            b"# coding: shift_jis\nx = '\x82'\n",
            "'shift_jis' codec can't decode byte 0x82 in position 25: illegal multibyte sequence",
            2,
        );
    }

    #[test]
    fn cookie_on_line_two_after_a_comment() {
        ok(
            b"#!/usr/bin/env python\n# coding: latin-1\nx = '\xe9'\n",
            "#!/usr/bin/env python\n# coding: latin-1\nx = 'é'\n",
        );
        ok(b"\n# vim: set fileencoding=latin-1 :\n\xe9\n", "\n# vim: set fileencoding=latin-1 :\né\n");
    }

    #[test]
    fn cookie_on_line_two_after_code_is_ignored() {
        err(
            b"x = 1\n# coding: latin-1\nx = '\xe9'\n",
            "'utf-8' codec can't decode byte 0xe9 in position 29: invalid continuation byte",
            3,
        );
    }

    #[test]
    fn cookie_on_line_three_is_ignored() {
        err(
            b"#\n#\n# coding: latin-1\n\xe9\n",
            "'utf-8' codec can't decode byte 0xe9 in position 22: invalid continuation byte",
            4,
        );
    }

    #[test]
    fn cookie_must_be_in_a_comment() {
        ok(b"coding = 'coding: latin-1'\n", "coding = 'coding: latin-1'\n");
    }

    #[test]
    fn crlf_and_cr_line_endings_around_the_cookie() {
        ok(b"#!python\r\n# coding: latin-1\r\nx = '\xe9'\r\n", "#!python\r\n# coding: latin-1\r\nx = 'é'\r\n");
        ok(b"#!python\r# coding: latin-1\rx = '\xe9'\r", "#!python\r# coding: latin-1\rx = 'é'\r");
        // A lone CR ends line 1, so "x = 1" is line 1 and the cookie on line 2 is ignored.
        err(
            b"x = 1\r# coding: latin-1\r\xe9\r",
            "'utf-8' codec can't decode byte 0xe9 in position 24: invalid continuation byte",
            3,
        );
    }

    #[test]
    fn unknown_encoding() {
        err(b"# coding: foobar\nx = 1\n", "unknown encoding: foobar", 1);
        err(b"#!python\n# coding: x-user-defined\n", "unknown encoding: x-user-defined", 2);
    }

    #[test]
    fn invalid_utf8() {
        err(b"x = 'caf\xe9'\n", "'utf-8' codec can't decode byte 0xe9 in position 8: invalid continuation byte", 1);
        err(b"a = 1\n\x80\n", "'utf-8' codec can't decode byte 0x80 in position 6: invalid start byte", 2);
        err(b"# \xe2\x82", "'utf-8' codec can't decode bytes in position 2-3: unexpected end of data", 1);
        err(b"\xef\xbb\xbf\xff", "'utf-8' codec can't decode byte 0xff in position 3: invalid start byte", 1);
    }

    #[test]
    fn null_bytes() {
        err(b"x = 1\ny = 2\x00\n", "source code cannot contain null bytes", 2);
    }

    #[test]
    fn empty_file() {
        ok(b"", "");
        ok(b"\xef\xbb\xbf", "");
    }

    /// The verdicts (decodes or not) agree with CPython's `compile()` on the cases where CPython checks the
    /// whole file; it skips undecodable bytes in comments, which we do not.
    #[test]
    fn agrees_with_cpython_compile() {
        let python = std::env::var("PYDEVCHECK_PYTHON").unwrap_or_else(|_| "python3".to_owned());
        let cases: &[&[u8]] = &[
            b"\xef\xbb\xbf# coding: latin-1\nx = 1\n",
            b"\xef\xbb\xbf# coding: utf-8\nx = 1\n",
            b"#!python\n# coding: latin-1\nx = '\xe9'\n",
            b"x = 1\n# coding: latin-1\nx = '\xe9'\n",
            b"#!python\r# coding: latin-1\rx = '\xe9'\r",
            b"# coding: latin-1\nx = '\x81'\n",
            b"# coding: cp1252\nx = '\x81'\n",
            b"# coding: ascii\nx = '\xe9'\n",
            b"# coding: foobar\nx = 1\n",
            b"x = 'caf\xe9'\n",
            b"x = 1\x00\n",
        ];
        let dir = tempfile::tempdir().unwrap();
        for (i, case) in cases.iter().enumerate() {
            let path = dir.path().join(format!("case{i}.py"));
            std::fs::write(&path, case).unwrap();
            let status = std::process::Command::new(&python)
                .args(["-c", "import sys; p = sys.argv[1]; compile(open(p, 'rb').read(), p, 'exec')"])
                .arg(&path)
                .stderr(std::process::Stdio::null())
                .status();
            let Ok(status) = status else {
                eprintln!("skipping the CPython cross-check: cannot run {python}");
                return;
            };
            assert_eq!(decode(case).is_ok(), status.success(), "case {i}: {:?}", String::from_utf8_lossy(case));
        }
    }
}
