//! The scan as it was before it was made faster (commit ba08c73), kept verbatim for the differential tests:
//! the fast scan must give the same result, offset included, for every input.

/// Where the estimate first went past the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooDeep {
    /// Byte offset of the token that went past the limit.
    pub(crate) offset: usize,
}

/// Operator precedences, loosest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    Lambda,
    IfElse,
    Or,
    Not,
    Compare,
    BitOr,
    BitXor,
    BitAnd,
    Shift,
    Arith,
    Term,
    Unary,
    Power,
    Await,
    Postfix,
}

const LEVELS: usize = Prec::Postfix as usize + 1;

type Counts = [u32; LEVELS];

/// What the scanner is inside of.
#[derive(Debug, Clone, Copy)]
enum Frame {
    /// A bracket, or an f-string replacement field (`field`); the counts of the level it opened in are on
    /// `Scan::saved`.
    Open { field: bool },
    /// A string literal.
    Str { quote: u8, triple: bool, format: bool },
    /// An f-string format spec (`{x:>{width}}`): string text that may hold nested fields.
    Spec,
}

/// Checks that no position of `text` nests deeper than `limit` by the estimate described above.
pub(crate) fn check(text: &str, limit: u32) -> Result<(), TooDeep> {
    let mut scan = Scan {
        bytes: text.as_bytes(),
        stack: Vec::new(),
        saved: Vec::new(),
        indents: Vec::new(),
        open_total: 0,
        counts: [0; LEVELS],
        level: 0,
        operand: false,
        limit,
        over: false,
    };
    scan.run()
}

struct Scan<'a> {
    bytes: &'a [u8],
    stack: Vec<Frame>,
    /// The counts of the enclosing level of every open bracket, innermost last.
    saved: Vec<Counts>,
    indents: Vec<u32>,
    /// Sum over open brackets of one plus the sum of their saved counts.
    open_total: u32,
    /// The nesting of the current level, per precedence, and its sum.
    counts: Counts,
    level: u32,
    /// Whether the last token ends an operand (a name, literal or closing bracket): a `-` after it is binary.
    operand: bool,
    limit: u32,
    /// Set when the estimate went past `limit`; checked once per token.
    over: bool,
}

impl Scan<'_> {
    fn estimate(&self) -> u32 {
        (self.indents.len() as u32).saturating_add(self.open_total).saturating_add(self.level)
    }

    fn binary(&mut self, prec: Prec, nests: bool) {
        if self.level > 0 {
            for count in &mut self.counts[prec as usize + 1..] {
                self.level -= *count;
                *count = 0;
            }
        }
        if nests {
            self.prefix(prec);
        }
        self.operand = false;
    }

    fn prefix(&mut self, prec: Prec) {
        // No overflow: the scan stops as soon as the estimate passes the limit, a token or two later.
        self.counts[prec as usize] += 1;
        self.level += 1;
        self.operand = false;
        self.over |= self.estimate() > self.limit;
    }

    /// An operator that is binary after an operand and a prefix otherwise.
    fn operator(&mut self, binary: Prec, prefix: Prec) {
        if self.operand {
            self.binary(binary, true);
        } else {
            self.prefix(prefix);
        }
    }

    /// A comma, `=`, `for` or `;`: the next element starts from nothing.
    fn element(&mut self) {
        if self.level > 0 {
            self.counts = [0; LEVELS];
            self.level = 0;
        }
        self.operand = false;
    }

    fn open(&mut self, field: bool) {
        self.open_total += self.level + 1;
        self.stack.push(Frame::Open { field });
        self.saved.push(self.counts);
        self.counts = [0; LEVELS];
        self.level = 0;
        self.operand = false;
        self.over |= self.estimate() > self.limit;
    }

    /// Closes the innermost bracket or field: its level's counts come back, plus one postfix for what it
    /// made (a call, a subscript, a display).
    fn close(&mut self) {
        if !matches!(self.stack.last(), Some(Frame::Open { .. })) {
            return;
        }
        self.stack.pop();
        let saved = self.saved.pop().expect("every open bracket saved its level's counts");
        let level: u32 = saved.iter().sum();
        self.open_total -= level + 1;
        self.counts = saved;
        self.level = level;
        self.prefix(Prec::Postfix);
        self.operand = true;
    }

    fn run(&mut self) -> Result<(), TooDeep> {
        let bytes = self.bytes;
        let mut line_start = true;
        let mut i = 0;
        while i < bytes.len() {
            let c = bytes[i];
            match self.stack.last().copied() {
                Some(Frame::Str { quote, triple, format }) => {
                    i = self.string_byte(i, quote, triple, format);
                    if self.over {
                        return Err(TooDeep { offset: i.min(bytes.len()) });
                    }
                    continue;
                }
                Some(Frame::Spec) => {
                    match c {
                        b'{' => self.open(true),
                        b'}' => {
                            // The spec ends, and with it the field that holds it.
                            self.stack.pop();
                            self.close();
                        }
                        b'\'' | b'"' | b'\n' | b'\r' => {
                            // A quote or a line break cannot be part of a spec: the field was never closed.
                            // End it here and let the string see this byte, as the tokenizer recovers.
                            self.stack.pop();
                            self.close();
                            continue;
                        }
                        _ => {}
                    }
                    i += 1;
                    continue;
                }
                _ => {}
            }
            if line_start && self.stack.is_empty() {
                line_start = false;
                let (column, next) = indentation(bytes, i);
                i = next;
                match bytes.get(i) {
                    // Blank and comment-only lines do not indent.
                    None | Some(b'\n' | b'\r' | b'#' | b'\\') => {}
                    Some(_) => {
                        while self.indents.last().is_some_and(|&width| width > column) {
                            self.indents.pop();
                        }
                        if column > self.indents.last().copied().unwrap_or(0) {
                            self.indents.push(column);
                            if self.estimate() > self.limit {
                                return Err(TooDeep { offset: i });
                            }
                        }
                    }
                }
                continue;
            }
            if c == b' ' || c == b'\t' {
                i += 1;
                continue;
            }
            i = self.code_byte(i, &mut line_start);
            if self.over {
                return Err(TooDeep { offset: i.min(bytes.len()) });
            }
        }
        Ok(())
    }

    /// One token of code; returns the next offset.
    #[inline]
    fn code_byte(&mut self, i: usize, line_start: &mut bool) -> usize {
        let bytes = self.bytes;
        let c = bytes[i];
        let next = bytes.get(i + 1).copied();
        match c {
            b'\n' | b'\r' => {
                if self.stack.is_empty() {
                    self.element();
                    *line_start = true;
                }
                i + 1
            }
            b'#' => line_end(bytes, i),
            // A continuation line: the logical line goes on.
            // (Changed after the fast scan replaced it, in both: a backslash before anything but a line
            // break is skipped alone, as the tokenizer does.)
            b'\\' => match (next, bytes.get(i + 2)) {
                (Some(b'\r'), Some(b'\n')) => i + 3,
                (Some(b'\r' | b'\n'), _) => i + 2,
                _ => i + 1,
            },
            b'\'' | b'"' => {
                self.operand = true;
                open_string(bytes, i, false, &mut self.stack)
            }
            b'(' | b'[' | b'{' => {
                self.open(false);
                i + 1
            }
            b'}' if matches!(self.stack.last(), Some(Frame::Open { field: true, .. })) => {
                // The end of an f-string field: back into the string.
                self.close();
                i + 1
            }
            b')' | b']' | b'}' => {
                self.close();
                i + 1
            }
            b':' if next == Some(b'=') => {
                self.operand = false;
                i + 2
            }
            b':' if matches!(self.stack.last(), Some(Frame::Open { field: true, .. })) => {
                // `{x:>10}`: the rest of the field is a format spec. A `:` inside a nested bracket belongs
                // to that bracket.
                self.stack.push(Frame::Spec);
                i + 1
            }
            b':' => {
                self.operand = false;
                i + 1
            }
            b',' | b';' => {
                self.element();
                i + 1
            }
            b'.' if next.is_some_and(|n| n.is_ascii_digit()) => {
                self.operand = true;
                number(bytes, i)
            }
            b'.' if next == Some(b'.') && bytes.get(i + 2) == Some(&b'.') => {
                self.operand = true;
                i + 3
            }
            b'.' => {
                self.prefix(Prec::Postfix);
                i + 1
            }
            b'-' if next == Some(b'>') => {
                self.operand = false;
                i + 2
            }
            b'=' if next == Some(b'=') => {
                self.binary(Prec::Compare, false);
                i + 2
            }
            b'=' => {
                self.element();
                i + 1
            }
            b'!' if next == Some(b'=') => {
                self.binary(Prec::Compare, false);
                i + 2
            }
            b'<' | b'>' if next == Some(c) => {
                // `<<=` and `>>=` are assignments.
                if bytes.get(i + 2) == Some(&b'=') {
                    self.element();
                    return i + 3;
                }
                self.binary(Prec::Shift, true);
                i + 2
            }
            b'<' | b'>' => {
                self.binary(Prec::Compare, false);
                i + if next == Some(b'=') { 2 } else { 1 }
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'@' | b'&' | b'|' | b'^' | b'~' => {
                let doubled = matches!(c, b'*' | b'/') && next == Some(c);
                let end = i + if doubled { 2 } else { 1 };
                if c != b'~' && bytes.get(end) == Some(&b'=') {
                    // An augmented assignment.
                    self.element();
                    return end + 1;
                }
                match (c, doubled) {
                    (b'*', true) => self.operator(Prec::Power, Prec::Lambda),
                    (b'*', false) => self.operator(Prec::Term, Prec::Lambda),
                    (b'/' | b'%', _) => self.binary(Prec::Term, true),
                    (b'@', _) => self.operator(Prec::Term, Prec::Lambda),
                    (b'+' | b'-', _) => self.operator(Prec::Arith, Prec::Unary),
                    (b'~', _) => self.prefix(Prec::Unary),
                    (b'&', _) => self.binary(Prec::BitAnd, true),
                    (b'^', _) => self.binary(Prec::BitXor, true),
                    _ => self.binary(Prec::BitOr, true),
                }
                end
            }
            c if c.is_ascii_digit() => {
                self.operand = true;
                number(bytes, i)
            }
            c if is_identifier_byte(c) => {
                let mut end = i;
                while end < bytes.len() && is_identifier_byte(bytes[end]) {
                    end += 1;
                }
                let word = &bytes[i..end];
                if matches!(bytes.get(end), Some(b'\'' | b'"')) && is_prefix(word) {
                    let format = word.iter().any(|b| matches!(b, b'f' | b'F' | b't' | b'T'));
                    self.operand = true;
                    return open_string(bytes, end, format, &mut self.stack);
                }
                self.word(word);
                end
            }
            _ => i + 1,
        }
    }

    fn word(&mut self, word: &[u8]) {
        // Every keyword starts with a lowercase letter, or is `None`, `True` or `False`: names are operands.
        if !word[0].is_ascii_lowercase() {
            self.operand = true;
            return;
        }
        match word {
            b"not" if self.operand => self.binary(Prec::Compare, false),
            b"not" => self.prefix(Prec::Not),
            b"in" | b"is" => self.binary(Prec::Compare, false),
            b"and" | b"or" => self.binary(Prec::Or, false),
            b"if" if self.operand => self.binary(Prec::IfElse, false),
            b"else" => self.binary(Prec::IfElse, true),
            b"lambda" | b"yield" | b"async" => self.prefix(Prec::Lambda),
            b"await" => self.prefix(Prec::Await),
            b"for" => self.element(),
            b"None" | b"True" | b"False" => self.operand = true,
            b"assert" | b"break" | b"class" | b"continue" | b"def" | b"del" | b"elif" | b"except" | b"finally"
            | b"from" | b"global" | b"if" | b"import" | b"nonlocal" | b"pass" | b"raise" | b"return" | b"try"
            | b"while" | b"with" | b"as" => self.operand = false,
            _ => self.operand = true,
        }
    }

    /// One step inside a string literal; returns the next offset.
    fn string_byte(&mut self, i: usize, quote: u8, triple: bool, format: bool) -> usize {
        let bytes = self.bytes;
        // Most of a string is text: skip to the next byte that can matter.
        let rest = &bytes[i..];
        let skip = match (triple, format) {
            (true, false) => memchr::memchr2(quote, b'\\', rest),
            (true, true) => memchr::memchr3(quote, b'\\', b'{', rest),
            (false, _) => {
                rest.iter().position(|&b| b == quote || b == b'\\' || b == b'\n' || b == b'\r' || (format && b == b'{'))
            }
        };
        let Some(skip) = skip else {
            return bytes.len();
        };
        let i = i + skip;
        let c = bytes[i];
        if c == b'\\' {
            // In an f-string `\{` still opens a field, so only an escaped non-brace is skipped.
            return match bytes.get(i + 1) {
                Some(b'{' | b'}') if format => i + 1,
                Some(b'\r') if bytes.get(i + 2) == Some(&b'\n') => i + 3,
                _ => i + 2,
            };
        }
        if c == quote {
            if !triple {
                self.stack.pop();
                return i + 1;
            }
            if bytes.get(i + 1) == Some(&quote) && bytes.get(i + 2) == Some(&quote) {
                self.stack.pop();
                return i + 3;
            }
        }
        if !triple && (c == b'\n' || c == b'\r') {
            // An unterminated string ends with its line, as in CPython's tokenizer.
            self.stack.pop();
            return i;
        }
        if format && c == b'{' {
            if bytes.get(i + 1) == Some(&b'{') {
                return i + 2;
            }
            self.open(true);
            return i + 1;
        }
        i + 1
    }
}

fn open_string(bytes: &[u8], at: usize, format: bool, stack: &mut Vec<Frame>) -> usize {
    let quote = bytes[at];
    let triple = bytes.get(at + 1) == Some(&quote) && bytes.get(at + 2) == Some(&quote);
    stack.push(Frame::Str { quote, triple, format });
    if triple {
        at + 3
    } else {
        at + 1
    }
}

/// The indentation column at `from` (tabs to multiples of 8, a form feed starts again at 0, as CPython's
/// tokenizer counts) and the offset of the first other byte.
fn indentation(bytes: &[u8], from: usize) -> (u32, usize) {
    let mut column: u32 = 0;
    let mut i = from;
    while let Some(&c) = bytes.get(i) {
        match c {
            b' ' => column = column.saturating_add(1),
            b'\t' => column = (column / 8).saturating_add(1).saturating_mul(8),
            b'\x0c' => column = 0,
            _ => break,
        }
        i += 1;
    }
    (column, i)
}

/// Skips a number literal, exponent sign included (`1e-5` holds no operator), but not the `-` of `0xE-1`.
fn number(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    let radix =
        bytes.get(i) == Some(&b'0') && matches!(bytes.get(i + 1), Some(b'x' | b'X' | b'o' | b'O' | b'b' | b'B'));
    while let Some(&c) = bytes.get(i) {
        let exponent_sign =
            !radix && matches!(c, b'+' | b'-') && matches!(bytes.get(i.wrapping_sub(1)), Some(b'e' | b'E')) && i > from;
        if c.is_ascii_alphanumeric() || c == b'_' || (c == b'.' && !radix) || exponent_sign {
            i += 1;
        } else {
            break;
        }
    }
    i
}

fn is_prefix(word: &[u8]) -> bool {
    const PREFIXES: &[&[u8]] = &[b"r", b"u", b"b", b"f", b"t", b"br", b"rb", b"fr", b"rf", b"tr", b"rt"];
    PREFIXES.iter().any(|prefix| prefix.eq_ignore_ascii_case(word))
}

/// Bytes that continue an identifier; non-ASCII bytes are parts of Unicode identifiers.
fn is_identifier_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

fn line_end(bytes: &[u8], from: usize) -> usize {
    memchr::memchr2(b'\n', b'\r', &bytes[from..]).map_or(bytes.len(), |n| from + n)
}
