//! A bound on how deeply a file nests, read from its bytes before the parser sees them.
//!
//! ruff's parser recurses once per level of nesting and grows its stack on the heap when it runs low, so a
//! hostile file is a memory bomb rather than a crash: one line of ten million `-` signs makes it use about
//! 10 GB of stack segments (1 KB per level, measured with a release build). Its syntax tree then nests as
//! deeply, and dropping that tree recurses once per level too, on a stack nobody grows. CPython itself
//! refuses such files (100 indentation levels, 200 parentheses, and its compiler's recursion limit for
//! long operator chains), so refusing them before parsing costs no real file anything.
//!
//! The scan reads the bytes with the tokenizer's notion of strings, comments, continuation lines and
//! indentation. Its estimate of a position's depth is the number of indentation levels, plus one level
//! for every open bracket (f-string replacement fields included) together with the nesting its level had
//! when it opened, plus the nesting of the current level. The nesting of a level is a count per operator
//! precedence, as a Pratt parser sees it: a binary operator that nests (arithmetic, bitwise, shift, `**`,
//! the `else` of a conditional expression) adds one at its precedence and ends the operands of every
//! tighter operator before it, so their counts start again; a comparison or `and`/`or` only ends them (those
//! chains are flat in the tree); a prefix (unary `-`/`+`/`~`, `not`, `await`, `lambda`, `yield`, `*`) adds
//! one; a postfix (`.attr`, a call, a subscript) adds one at the tightest precedence. Commas, `=`, `for`
//! and semicolons start an element again; a logical line ends every count.
//!
//! The parser recurses for right-nested shapes (prefixes, `**`, conditional expressions, lambdas,
//! brackets), and none of those is ever reset by what follows, so the estimate bounds its recursion. A
//! left-nested chain (`a + b + c`) is a loop in the parser but a deep tree, and mixing precedences can make
//! the running sum smaller than that tree's depth (by the number of precedence levels at most); `parse`
//! measures the real tree for that reason.
//!
//! Most lines are nowhere near the limit, and the scan shows it without reading their tokens: it skims each
//! logical line, following only its strings, comments and brackets, and counts the bytes that can raise the
//! estimate (operators, `.`, brackets, one letter of each keyword that nests, f-string fields opening and
//! closing). Every token that raises the estimate by one holds such a byte, and a logical line starts with
//! nothing open, so nowhere in it is the estimate more than the indentation plus that count. Only a line
//! whose count could pass the limit is read token by token, from its start, where the whole state of the
//! scan is the indentation; the result is the same either way, offset included.

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
    /// A bracket, or an f-string replacement field (`field`); when a line is read token by token, the counts
    /// of the level it opened in are on `Scan::saved`.
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
    /// Set when the estimate went past `limit`; checked after every token of code and every step in a string.
    over: bool,
}

/// What the scanner reads after a token of code.
enum After {
    /// More code.
    Code,
    /// A new logical line.
    Line,
    /// A string or a format spec, or the string around a field that just closed.
    Leave,
}

impl Scan<'_> {
    /// Each logical line is skimmed, and read token by token only if skimming cannot show it shallow enough.
    fn run(&mut self) -> Result<(), TooDeep> {
        // The skim keeps its numbers below 2^30; a longer file is read token by token.
        let skims = self.bytes.len() < SKIM_CAP;
        let mut i = 0;
        while i < self.bytes.len() {
            // A logical line starts here with nothing open, so the whole state of the scan is the indentation.
            let mut first = self.indent(i)?;
            if skims {
                let Some(line) = self.skim(first)? else {
                    break;
                };
                first = line;
                self.stack.clear();
            }
            i = self.read_line(first)?;
        }
        Ok(())
    }

    /// The indentation of the line starting at `from`; returns the offset of its first other byte.
    #[inline]
    fn indent(&mut self, from: usize) -> Result<usize, TooDeep> {
        let bytes = self.bytes;
        let (column, i) = indentation(bytes, from);
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
        Ok(i)
    }

    /// Skims logical lines from `first`, the first byte of one after its indentation: only their strings,
    /// comments and brackets are followed, and the bytes that could raise the estimate are counted. Returns
    /// the first byte of the first line whose count could take the estimate past the limit (or that has a
    /// string prefix only the tokens can tell), for `read_line`; `None` at the end of the file.
    ///
    /// Every token that raises the estimate by one (an operator, `.`, a bracket, a keyword) holds a byte the
    /// count counts, and so does every f-string field that opens or closes; since the line started with
    /// nothing open, the estimate is at most the indentation plus the count.
    fn skim(&mut self, first: usize) -> Result<Option<usize>, TooDeep> {
        let bytes = self.bytes;
        // Brackets outside strings only count in `top.depth`; frames are pushed only for a string that
        // holds a replacement field, and popped before the line goes on.
        let mut top = Top { i: first, first, depth: 0, count: 0 };
        loop {
            if top.count > self.budget() {
                return Ok(Some(top.first));
            }
            top = skim_top(bytes, top, self.limit, &mut self.indents);
            let budget = self.budget();
            let Some(&c) = bytes.get(top.i) else {
                return Ok((top.count > budget).then_some(top.first));
            };
            match c {
                b'\n' | b'\r' => {
                    // The logical line ends, and the hot loop left the next one's indentation to `indent`.
                    if top.count > budget {
                        return Ok(Some(top.first));
                    }
                    if top.i + 1 == bytes.len() {
                        return Ok(None);
                    }
                    top.first = self.indent(top.i + 1)?;
                    top.i = top.first;
                    top.count = 0;
                }
                b'\\' => top.i = continuation(bytes, top.i),
                b'\'' | b'"' => match self.skim_string(top.i, &mut top.count) {
                    Some(end) => top.i = end,
                    None => return Ok(Some(top.first)),
                },
                // A closing bracket with nothing open.
                _ => {
                    top.count += 1;
                    top.i += 1;
                }
            }
        }
    }

    /// Skims the string whose quote is at `at`, with the code of its replacement fields; returns where it
    /// ends, or `None` if only the tokens can tell whether it is an f-string.
    fn skim_string(&mut self, at: usize, count: &mut usize) -> Option<usize> {
        let bytes = self.bytes;
        let format = string_prefix(bytes, at)?;
        let quote = bytes[at];
        let triple = bytes.get(at + 1) == Some(&quote) && bytes.get(at + 2) == Some(&quote);
        let mut i = at + if triple { 3 } else { 1 };
        loop {
            let (next, step) = string_step(bytes, i, quote, triple, format);
            i = next;
            match step {
                StringStep::Text if i < bytes.len() => {}
                StringStep::Text | StringStep::End => return Some(i),
                StringStep::Field => {
                    self.stack.push(Frame::Str { quote, triple, format });
                    self.stack.push(Frame::Open { field: true });
                    *count += 1;
                    return self.skim_fields(i, count);
                }
            }
        }
    }

    /// Skims from inside a replacement field until the string that holds it ends, with the frames of the
    /// fields, strings, brackets and format specs in it; returns where the string ends, or `None` as
    /// `skim_string` does.
    fn skim_fields(&mut self, mut i: usize, count: &mut usize) -> Option<usize> {
        let bytes = self.bytes;
        while let Some(&frame) = self.stack.last() {
            match frame {
                Frame::Open { field } => {
                    // `:` may start a format spec, but not in a bracket inside the field.
                    let table = if field { &SKIM_FIELD } else { &SKIM_CODE };
                    while let Some(&b) = bytes.get(i) {
                        let class = table[b as usize];
                        if class & STOP != 0 {
                            break;
                        }
                        *count += (class & COUNTED) as usize;
                        i += 1;
                    }
                    let Some(&c) = bytes.get(i) else {
                        return Some(i);
                    };
                    match c {
                        b'\n' | b'\r' => i += 1,
                        b'#' => i = line_end(bytes, i),
                        b'\\' => i = continuation(bytes, i),
                        b'\'' | b'"' => {
                            let format = string_prefix(bytes, i)?;
                            i = open_string(bytes, i, format, &mut self.stack);
                        }
                        b'(' | b'[' | b'{' => {
                            self.stack.push(Frame::Open { field: false });
                            *count += 1;
                            i += 1;
                        }
                        b')' | b']' | b'}' => {
                            // Back into the string if this closes the field.
                            self.stack.pop();
                            *count += 1;
                            i += 1;
                        }
                        _ => {
                            if bytes.get(i + 1) == Some(&b'=') {
                                i += 2;
                            } else {
                                self.stack.push(Frame::Spec);
                                i += 1;
                            }
                        }
                    }
                }
                Frame::Str { quote, triple, format } => {
                    let (next, step) = string_step(bytes, i, quote, triple, format);
                    match step {
                        StringStep::Text => {}
                        StringStep::End => {
                            self.stack.pop();
                        }
                        StringStep::Field => {
                            self.stack.push(Frame::Open { field: true });
                            *count += 1;
                        }
                    }
                    i = next;
                    if i >= bytes.len() {
                        return Some(i);
                    }
                }
                Frame::Spec => {
                    let (next, step) = spec_step(bytes, i);
                    match step {
                        SpecStep::Eof => return Some(next),
                        SpecStep::Field => self.stack.push(Frame::Open { field: true }),
                        SpecStep::End => {
                            // The spec, and the field that holds it.
                            self.stack.pop();
                            self.stack.pop();
                        }
                    }
                    *count += 1;
                    i = next;
                }
            }
        }
        Some(i)
    }

    /// How many increments the current line can hold before its estimate could pass the limit.
    fn budget(&self) -> usize {
        budget(self.limit, self.indents.len())
    }

    /// Reads the rest of a logical line from `i` token by token; returns where the next line starts.
    fn read_line(&mut self, mut i: usize) -> Result<usize, TooDeep> {
        while i < self.bytes.len() {
            match self.stack.last().copied() {
                None | Some(Frame::Open { .. }) => {
                    let (next, line_ends) = self.code(i)?;
                    i = next;
                    if line_ends {
                        break;
                    }
                }
                Some(Frame::Str { quote, triple, format }) => i = self.string(i, quote, triple, format)?,
                Some(Frame::Spec) => i = self.spec(i),
            }
        }
        Ok(i)
    }

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
    /// made (a call, a subscript, a display). Returns whether it closed a field, which leaves the code for
    /// the string or format spec around it.
    fn close(&mut self) -> bool {
        let Some(&Frame::Open { field }) = self.stack.last() else {
            return false;
        };
        self.stack.pop();
        // In token-by-token reading every `Frame::Open` comes from `open`, which pushes its counts with it;
        // the skim's frames never reach here, since `run` clears the stack before `read_line`.
        let saved = self.saved.pop().expect("every open bracket saved its level's counts");
        let level: u32 = saved.iter().sum();
        self.open_total -= level + 1;
        self.counts = saved;
        self.level = level;
        self.prefix(Prec::Postfix);
        self.operand = true;
        field
    }

    /// Code from `i` until a string or format spec starts (or a field ends), the logical line ends or the
    /// file does; returns where it stopped and whether a new line starts there.
    fn code(&mut self, mut i: usize) -> Result<(usize, bool), TooDeep> {
        let bytes = self.bytes;
        loop {
            while let Some(b' ' | b'\t') = bytes.get(i) {
                i += 1;
            }
            let Some(&c) = bytes.get(i) else {
                return Ok((i, false));
            };
            let (next, after) = self.token(i, c);
            if self.over {
                return Err(TooDeep { offset: next.min(bytes.len()) });
            }
            i = next;
            match after {
                After::Code => {}
                After::Line => return Ok((i, true)),
                After::Leave => return Ok((i, false)),
            }
        }
    }

    /// The token of code starting with the byte `c` at `i`; returns the next offset and what comes next.
    #[inline(always)]
    fn token(&mut self, i: usize, c: u8) -> (usize, After) {
        let bytes = self.bytes;
        if is_identifier_start(c) {
            let end = bytes[i + 1..].iter().position(|&b| !is_identifier_byte(b)).map_or(bytes.len(), |n| i + 1 + n);
            let word = &bytes[i..end];
            if matches!(bytes.get(end), Some(b'\'' | b'"')) && is_prefix(word) {
                let format = word.iter().any(|b| matches!(b, b'f' | b'F' | b't' | b'T'));
                self.operand = true;
                return (open_string(bytes, end, format, &mut self.stack), After::Leave);
            }
            self.word(word);
            return (end, After::Code);
        }
        let next = bytes.get(i + 1).copied();
        let end = match c {
            b'\n' | b'\r' => {
                if self.stack.is_empty() {
                    self.element();
                    return (i + 1, After::Line);
                }
                i + 1
            }
            b'#' => line_end(bytes, i),
            // A continuation line: the logical line goes on.
            b'\\' => continuation(bytes, i),
            b'\'' | b'"' => {
                self.operand = true;
                return (open_string(bytes, i, false, &mut self.stack), After::Leave);
            }
            b'(' | b'[' | b'{' => {
                self.open(false);
                i + 1
            }
            // The end of a bracket, or of an f-string field: then back into the string.
            b')' | b']' | b'}' => {
                if self.close() {
                    return (i + 1, After::Leave);
                }
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
                return (i + 1, After::Leave);
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
                    i + 3
                } else {
                    self.binary(Prec::Shift, true);
                    i + 2
                }
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
                    return (end + 1, After::Code);
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
            b'0'..=b'9' => {
                self.operand = true;
                number(bytes, i)
            }
            _ => i + 1,
        };
        (end, After::Code)
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
            b"assert" | b"break" | b"class" | b"continue" | b"def" | b"del" | b"elif" | b"except" | b"finally"
            | b"from" | b"global" | b"if" | b"import" | b"nonlocal" | b"pass" | b"raise" | b"return" | b"try"
            | b"while" | b"with" | b"as" => self.operand = false,
            _ => self.operand = true,
        }
    }

    /// A string literal from `i` until it ends or a replacement field opens, or the file ends; returns where
    /// it stopped.
    fn string(&mut self, mut i: usize, quote: u8, triple: bool, format: bool) -> Result<usize, TooDeep> {
        let bytes = self.bytes;
        loop {
            let (next, step) = string_step(bytes, i, quote, triple, format);
            match step {
                StringStep::Text => {}
                StringStep::End => {
                    self.stack.pop();
                }
                StringStep::Field => self.open(true),
            }
            if self.over {
                return Err(TooDeep { offset: next.min(bytes.len()) });
            }
            if !matches!(step, StringStep::Text) || next >= bytes.len() {
                return Ok(next);
            }
            i = next;
        }
    }

    /// A format spec from `i` until a field opens in it, or it ends with its field, or the file does; returns
    /// where it stopped.
    fn spec(&mut self, i: usize) -> usize {
        let (next, step) = spec_step(self.bytes, i);
        match step {
            SpecStep::Eof => {}
            SpecStep::Field => self.open(true),
            SpecStep::End => {
                // The spec's frame is on top of its field's.
                self.stack.pop();
                self.close();
            }
        }
        next
    }
}

/// Where the skim's hot loop is: at `i` in the logical line that starts at `first`, with `depth` brackets
/// open and `count` bytes counted.
#[derive(Clone, Copy)]
struct Top {
    i: usize,
    first: usize,
    depth: usize,
    count: usize,
}

/// The skim's hot loop, over code outside strings. It goes on through comments, strings that are not
/// f-strings and line breaks, indenting as `Scan::indent` does, and stops at the end of the file and where
/// `Scan::skim` has more to do: at a line break ending a line whose count is over its budget, or before a
/// line indented with a tab or a form feed, or deeper than the limit allows; at a carriage return, a
/// continuation, an f-string, a string prefix only the tokens can tell, or a bracket closing that was never
/// opened.
///
/// The depth and the count live in one word, the depth above the count, so that a byte costs one look-up,
/// one comparison and one addition. They fit: a file it reads is shorter than 2^30 bytes.
#[inline(never)]
fn skim_top(bytes: &[u8], top: Top, limit: u32, indents: &mut Vec<u32>) -> Top {
    debug_assert!(bytes.len() < SKIM_CAP);
    let mut both = ((top.depth as u64) << 32 | top.count as u64) as i64;
    let Top { mut i, mut first, .. } = top;
    let mut budget = budget(limit, indents.len());
    loop {
        // Eight bytes a round, for fewer loop checks.
        'bytes: {
            while let Some(chunk) = bytes.get(i..).and_then(|rest| rest.first_chunk::<8>()) {
                for (k, &b) in chunk.iter().enumerate() {
                    let b = b as usize;
                    if both < TOP_STOP_BELOW[b] {
                        i += k;
                        break 'bytes;
                    }
                    both += TOP_STEP[b];
                }
                i += 8;
            }
            while let Some(&b) = bytes.get(i) {
                let b = b as usize;
                if both < TOP_STOP_BELOW[b] {
                    break;
                }
                both += TOP_STEP[b];
                i += 1;
            }
        }
        let Some(&c) = bytes.get(i) else {
            break;
        };
        match c {
            // A line break stops the loop only where no bracket is open, so `both` is the count.
            b'\n' if both as usize <= budget => {
                let (spaces, next) = leading_spaces(bytes, i + 1);
                let Some(&c) = bytes.get(next) else {
                    break;
                };
                if c == b'\t' || c == b'\x0c' {
                    break;
                }
                // As `Scan::indent`.
                if !matches!(c, b'\n' | b'\r' | b'#' | b'\\') {
                    let column = u32::try_from(spaces).unwrap_or(u32::MAX);
                    while indents.last().is_some_and(|&width| width > column) {
                        indents.pop();
                    }
                    if column > indents.last().copied().unwrap_or(0) {
                        if indents.len() >= limit as usize {
                            break;
                        }
                        indents.push(column);
                    }
                    budget = self::budget(limit, indents.len());
                }
                i = next;
                first = next;
                both = 0;
            }
            b'#' => i = line_end(bytes, i),
            b'\'' | b'"' if string_prefix(bytes, i) == Some(false) => {
                let triple = bytes.get(i + 1) == Some(&c) && bytes.get(i + 2) == Some(&c);
                i += if triple { 3 } else { 1 };
                loop {
                    let (next, step) = string_step(bytes, i, c, triple, false);
                    i = next;
                    if !matches!(step, StringStep::Text) || i >= bytes.len() {
                        break;
                    }
                }
            }
            _ => break,
        }
    }
    Top { i, first, depth: (both >> 32) as usize, count: (both & 0xffff_ffff) as usize }
}

/// How many bytes a logical line's count may reach before its estimate could pass `limit`.
fn budget(limit: u32, indents: usize) -> usize {
    (limit as usize).saturating_sub(indents)
}

/// What a string's next byte that can matter does.
enum StringStep {
    /// Nothing (an escape, a lone quote in a triple-quoted string, `{{`), or the file ended.
    Text,
    /// The string ends.
    End,
    /// A replacement field opens.
    Field,
}

/// Finds the next byte of a string from `i` that can matter and reads it; returns the offset after it.
fn string_step(bytes: &[u8], i: usize, quote: u8, triple: bool, format: bool) -> (usize, StringStep) {
    // The bytes that can matter: the quote, a backslash, a line break (which ends a one-line string) and,
    // in an f-string, `{`. Triple-quoted strings are long, so memchr finds those; one-line strings are
    // short, so a table does.
    let rest = &bytes[i..];
    let skip = match (triple, format) {
        (true, false) => memchr::memchr2(quote, b'\\', rest),
        (true, true) => memchr::memchr3(quote, b'\\', b'{', rest),
        (false, _) => {
            let stops = STOP_BACKSLASH | STOP_LINE | if quote == b'\'' { STOP_SINGLE } else { STOP_DOUBLE };
            let stops = if format { stops | STOP_BRACE } else { stops };
            rest.iter().position(|&b| STRING_STOPS[b as usize] & stops != 0)
        }
    };
    let Some(skip) = skip else {
        return (bytes.len(), StringStep::Text);
    };
    let i = i + skip;
    let c = bytes[i];
    if c == b'\\' {
        // In an f-string `\{` still opens a field, so only an escaped non-brace is skipped.
        let next = match bytes.get(i + 1) {
            Some(b'{' | b'}') if format => i + 1,
            Some(b'\r') if bytes.get(i + 2) == Some(&b'\n') => i + 3,
            _ => i + 2,
        };
        return (next, StringStep::Text);
    }
    if c == quote {
        if !triple {
            return (i + 1, StringStep::End);
        }
        if bytes.get(i + 1) == Some(&quote) && bytes.get(i + 2) == Some(&quote) {
            return (i + 3, StringStep::End);
        }
    }
    if !triple && (c == b'\n' || c == b'\r') {
        // An unterminated string ends with its line, as in CPython's tokenizer.
        return (i, StringStep::End);
    }
    if format && c == b'{' {
        if bytes.get(i + 1) == Some(&b'{') {
            return (i + 2, StringStep::Text);
        }
        return (i + 1, StringStep::Field);
    }
    (i + 1, StringStep::Text)
}

/// What ends a stretch of a format spec.
enum SpecStep {
    /// The file.
    Eof,
    /// A nested field opens.
    Field,
    /// The spec ends, and with it the field that holds it.
    End,
}

/// Finds the next byte of a format spec from `i` that can matter; returns the offset after it.
fn spec_step(bytes: &[u8], i: usize) -> (usize, SpecStep) {
    let Some(skip) = bytes[i..].iter().position(|b| matches!(b, b'{' | b'}' | b'\'' | b'"' | b'\n' | b'\r')) else {
        return (bytes.len(), SpecStep::Eof);
    };
    let i = i + skip;
    match bytes[i] {
        b'{' => (i + 1, SpecStep::Field),
        b'}' => (i + 1, SpecStep::End),
        // A quote or a line break cannot be part of a spec: the field was never closed. End it here and let
        // the string see this byte, as the tokenizer recovers.
        _ => (i, SpecStep::End),
    }
}

const STOP_SINGLE: u8 = 1;
const STOP_DOUBLE: u8 = 2;
const STOP_BACKSLASH: u8 = 4;
const STOP_LINE: u8 = 8;
const STOP_BRACE: u8 = 16;

/// The bytes that can matter in a one-line string, by kind.
static STRING_STOPS: [u8; 256] = {
    let mut table = [0; 256];
    table[b'\'' as usize] = STOP_SINGLE;
    table[b'"' as usize] = STOP_DOUBLE;
    table[b'\\' as usize] = STOP_BACKSLASH;
    table[b'\n' as usize] = STOP_LINE;
    table[b'\r' as usize] = STOP_LINE;
    table[b'{' as usize] = STOP_BRACE;
    table
};

/// How the skim reads a byte of code: `STOP` where a string, comment, bracket or line may start or end,
/// else `COUNTED` if it may be part of a token that raises the estimate (an operator, `.`, or a letter of
/// every such keyword: the `n` of `not` and `async`, the `w` of `await`, the `l` of `else`, `lambda` and
/// `yield`).
static SKIM_CODE: [u8; 256] = {
    let mut table = [0; 256];
    let counted = b".+-*/%@&|^~<>lnw";
    let mut k = 0;
    while k < counted.len() {
        table[counted[k] as usize] = COUNTED;
        k += 1;
    }
    let stops = b"\n\r#\\'\"()[]{}";
    let mut k = 0;
    while k < stops.len() {
        table[stops[k] as usize] = STOP;
        k += 1;
    }
    table
};

const COUNTED: u8 = 1;
const STOP: u8 = 2;

/// `SKIM_CODE` in a replacement field, where `:` may start a format spec.
static SKIM_FIELD: [u8; 256] = {
    let mut table = SKIM_CODE;
    table[b':' as usize] = STOP;
    table
};

/// Where the skim's hot loop stops for a byte: when fewer brackets than this are open (shifted as in
/// `skim_top`). Line breaks stop it where none is, closing brackets where none is to close, and the starts
/// of strings, comments and continuations always.
static TOP_STOP_BELOW: [i64; 256] = {
    let mut table = [0; 256];
    let mut b = 0;
    while b < 256 {
        if SKIM_CODE[b] & STOP != 0 {
            table[b] = i64::MAX;
        }
        b += 1;
    }
    let mut k = 0;
    while k < 3 {
        table[b"([{"[k] as usize] = 0;
        table[b")]}"[k] as usize] = 1 << 32;
        k += 1;
    }
    table[b'\n' as usize] = 1 << 32;
    table[b'\r' as usize] = 1 << 32;
    table
};

/// How a byte changes the skim's hot loop's depth and count (shifted as in `skim_top`): brackets open and
/// close, and count as the bytes of `SKIM_CODE` do.
static TOP_STEP: [i64; 256] = {
    let mut table = [0; 256];
    let mut b = 0;
    while b < 256 {
        if SKIM_CODE[b] & COUNTED != 0 {
            table[b] = 1;
        }
        b += 1;
    }
    let mut k = 0;
    while k < 3 {
        table[b"([{"[k] as usize] = (1 << 32) + 1;
        table[b")]}"[k] as usize] = -(1 << 32) + 1;
        k += 1;
    }
    table
};

/// The files the skim reads are shorter, so that its depth and count keep apart in one word.
const SKIM_CAP: usize = 1 << 30;

/// Whether the string whose quote is at `at` is an f-string (or a t-string), from the word before it as the
/// tokens go; `None` if that word might end a number instead (`1.f''`, `1e-f''`), which the skim leaves to
/// the tokens.
fn string_prefix(bytes: &[u8], at: usize) -> Option<bool> {
    let before = &bytes[..at];
    let run = before.iter().rev().take(3).take_while(|&&b| is_identifier_byte(b)).count();
    let word = &before[at - run..];
    if !is_prefix(word) {
        return Some(false);
    }
    if at > run && matches!(before[at - run - 1], b'.' | b'+' | b'-') {
        return None;
    }
    Some(word.iter().any(|b| matches!(b, b'f' | b'F' | b't' | b'T')))
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

/// Skips the backslash at `at` and, when a line break follows, the break too: the logical line goes on.
/// Before anything else the tokenizer reports an error and reads the next byte as code, and so does the
/// scan: `\[` opens a bracket, so a line of them is as deep as a line of `[`.
fn continuation(bytes: &[u8], at: usize) -> usize {
    match (bytes.get(at + 1), bytes.get(at + 2)) {
        (Some(b'\r'), Some(b'\n')) => at + 3,
        (Some(b'\r' | b'\n'), _) => at + 2,
        _ => at + 1,
    }
}

/// The indentation column at `from` (tabs to multiples of 8, a form feed starts again at 0, as CPython's
/// tokenizer counts) and the offset of the first other byte.
fn indentation(bytes: &[u8], from: usize) -> (u32, usize) {
    // Spaces first: most indentation is nothing else.
    let (spaces, mut i) = leading_spaces(bytes, from);
    let mut column = u32::try_from(spaces).unwrap_or(u32::MAX);
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

/// The number of spaces from `from` and the offset of the first other byte, sixteen bytes at a time.
fn leading_spaces(bytes: &[u8], from: usize) -> (usize, usize) {
    const SPACES: u128 = u128::from_ne_bytes([b' '; 16]);
    let mut i = from;
    while let Some(chunk) = bytes.get(i..).and_then(<[u8]>::first_chunk::<16>) {
        // Little-endian: the first byte that is not a space holds the lowest set bit (none: all 16 are).
        let spaces = (u128::from_le_bytes(*chunk) ^ SPACES).trailing_zeros() / 8;
        i += spaces as usize;
        if spaces < 16 {
            return (i - from, i);
        }
    }
    while bytes.get(i) == Some(&b' ') {
        i += 1;
    }
    (i - from, i)
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

/// `r`, `u`, `b`, `f`, `t`, `br`, `rb`, `fr`, `rf`, `tr` or `rt`, in either case.
fn is_prefix(word: &[u8]) -> bool {
    match word {
        [a] => matches!(a.to_ascii_lowercase(), b'r' | b'u' | b'b' | b'f' | b't'),
        [a, b] => matches!(
            (a.to_ascii_lowercase(), b.to_ascii_lowercase()),
            (b'b' | b'f' | b't', b'r') | (b'r', b'b' | b'f' | b't')
        ),
        _ => false,
    }
}

/// Bytes that start an identifier; non-ASCII bytes are parts of Unicode identifiers.
fn is_identifier_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

/// Bytes that continue an identifier.
fn is_identifier_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

fn line_end(bytes: &[u8], from: usize) -> usize {
    memchr::memchr2(b'\n', b'\r', &bytes[from..]).map_or(bytes.len(), |n| from + n)
}

#[cfg(test)]
mod reference;

/// The `.py` files under the directories that `PYDEVCHECK_NESTING_DIRS` lists (separated as in `PATH`; the
/// repository's `fixtures/` when unset), read as UTF-8 with invalid bytes replaced: the corpus of the tests
/// that compare a shortcut over nesting with the long way round.
#[cfg(test)]
pub(crate) fn nesting_test_texts() -> (std::ffi::OsString, Vec<std::path::PathBuf>, Vec<String>) {
    fn python_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => python_files(&path, out),
                Ok(kind) if kind.is_file() && path.extension().is_some_and(|ext| ext == "py") => out.push(path),
                _ => {}
            }
        }
    }
    let dirs = std::env::var_os("PYDEVCHECK_NESTING_DIRS")
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures").into_os_string());
    let mut paths = Vec::new();
    for dir in std::env::split_paths(&dirs) {
        python_files(&dir, &mut paths);
    }
    let texts = paths
        .iter()
        .map(|path| {
            // Test-only: a corpus file the test cannot read is a broken setup, reported with its path.
            let bytes = std::fs::read(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            String::from_utf8_lossy(&bytes).into_owned()
        })
        .collect();
    (dirs, paths, texts)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sixteen bytes at a time count what one byte at a time counts, at every length and start.
    #[test]
    fn leading_spaces_counts_every_space_and_stops_at_the_first_other_byte() {
        for spaces in 0..40 {
            for tail in ["", "x", "\t", "\n  ", " "] {
                let text = format!("ab{}{tail}", " ".repeat(spaces));
                let bytes = text.as_bytes();
                for from in 0..=bytes.len() {
                    let naive = bytes[from..].iter().take_while(|&&b| b == b' ').count();
                    assert_eq!(leading_spaces(bytes, from), (naive, from + naive), "{text:?} from {from}");
                }
            }
        }
    }

    /// The smallest limit `text` passes. Every limit up to it and a little past gives the result the
    /// reference scan gives.
    fn depth(text: &str) -> u32 {
        let depth = (0..100_000).find(|&limit| check(text, limit).is_ok()).expect("estimate below 100,000");
        assert_same_as_reference(text, (0..=depth + 2).chain([1_000, u32::MAX]));
        depth
    }

    fn assert_same_as_reference(text: &str, limits: impl IntoIterator<Item = u32>) {
        for limit in limits {
            let fast = check(text, limit).map_err(|too_deep| too_deep.offset);
            let slow = reference::check(text, limit).map_err(|too_deep| too_deep.offset);
            assert_eq!(fast, slow, "limit {limit}, text {text:?}");
        }
    }

    #[test]
    fn flat_code_is_shallow() {
        assert_eq!(depth("x = 1\n"), 0);
        assert_eq!(depth("x = [1, 2, 3, 4, 5, 6, 7, 8, 9]\n"), 1);
        assert_eq!(depth("x = a < b < c and d or e\n"), 0);
        assert_eq!(depth("x = 1e-5 + 0x_ff\n"), 1);
        assert_eq!(depth("def f(x) -> int:\n    return ...\n"), 1);
        assert_eq!(depth("x = {'a': -1, 'b': not c}\n"), 2);
    }

    #[test]
    fn strings_and_comments_hold_no_operators() {
        assert_eq!(depth("x = '- - - -' # + + + +\n"), 0);
        assert_eq!(depth("x = '\'\'\'\n((((\n\'\'\''\n"), 0);
        assert_eq!(depth("x = rb'\\'- - -'\n"), 0);
    }

    /// A stray backslash is an error the tokenizer reads past: the bracket after it still opens, and ruff's
    /// parser nests as deeply as without the backslashes (a memory bomb when they were skipped in pairs).
    #[test]
    fn a_stray_backslash_does_not_hide_what_follows() {
        let n = 50;
        assert!(depth(&format!("x = {}1\n", "\\[".repeat(n))) >= n as u32);
        assert!(depth(&format!("x = {}1\n", "\\-".repeat(n))) >= n as u32);
        assert_eq!(depth("x = 1 + \\\n    2\n"), depth("x = 1 + 2\n"));
        assert_eq!(depth("x = 1 + \\\r\n    2\r\n"), depth("x = 1 + 2\n"));
        assert!(check(&format!("x = {}\n", "\\[".repeat(5_000)), 1_000).is_err());
    }

    #[test]
    fn right_nesting_counts_in_full() {
        let n = 50;
        assert!(depth(&format!("x = {}1\n", "-".repeat(n))) >= n as u32);
        assert!(depth(&format!("x = {}1{}\n", "[".repeat(n), "]".repeat(n))) >= n as u32);
        assert!(depth(&format!("x = {}1{}\n", "(".repeat(n), ")".repeat(n))) >= n as u32);
        assert!(depth(&format!("x = {}y\n", "not ".repeat(n))) >= n as u32);
        assert!(depth(&format!("x = {}y\n", "lambda: ".repeat(n))) >= n as u32);
        assert!(depth(&format!("x = {}\n", vec!["2"; n + 1].join(" ** -"))) >= 2 * n as u32);
        assert!(depth(&format!("x = {}1\n", "1 if c else ".repeat(n))) >= n as u32);
        let ifs: String = (0..n).map(|i| format!("{}if x:\n", " ".repeat(i))).collect();
        assert!(depth(&format!("{ifs}{}pass\n", " ".repeat(n))) >= n as u32);
    }

    #[test]
    fn left_nesting_counts_per_precedence() {
        let n = 50;
        assert!(depth(&format!("x = a{}\n", ".b".repeat(n))) >= n as u32);
        assert!(depth(&format!("x = f{}\n", "()".repeat(n))) >= n as u32);
        assert!(depth(&format!("x = {}\n", vec!["0xE"; n + 1].join("-"))) >= n as u32);
        // A long polynomial (sympy ships some): the `*` of one term end at the next `+`.
        let term = "3*p**6*q**11";
        let polynomial = vec![term; n].join(" - ");
        let estimate = depth(&format!("x = {polynomial}\n"));
        assert!((n as u32..n as u32 + 10).contains(&estimate), "{estimate}");
    }

    #[test]
    fn f_string_fields_nest() {
        let n = 20;
        let text = format!("x = {}1{}\n", "f'{".repeat(n), "}'".repeat(n));
        assert!(depth(&text) >= n as u32);
        assert_eq!(depth("x = f'{a:>{width}} {{literal}}'\n"), 2);
    }

    #[test]
    fn elements_and_lines_start_again() {
        let line = format!("x = [{}]\n", vec!["-1"; 1000].join(", "));
        assert_eq!(depth(&line), 2);
        assert_eq!(depth(&"x = - - 1\n".repeat(1000)), 2);
        assert_eq!(depth(&format!("f({})\n", vec!["a=-b"; 100].join(", "))), 2);
    }

    #[test]
    fn reports_where() {
        let text = format!("x = 1\ny = {}1\n", "-".repeat(100));
        assert_eq!(check(&text, 10), Err(TooDeep { offset: 21 }));
        assert_same_as_reference(&text, 0..=110);
    }

    /// Pieces of Python, and of things that are almost Python, for the generated texts: every kind of
    /// string (prefixes, triple quotes, f-string fields with specs, conversions, escapes, unterminated),
    /// line breaks of every kind, continuations, brackets, operators, keywords, numbers that end in letters
    /// before a quote, comments, indentation and non-ASCII text.
    const PIECES: &[&str] = &[
        "'",
        "\"",
        "'''",
        "\"\"\"",
        "f'",
        "f\"",
        "F'''",
        "rb'",
        "Rb\"",
        "br'",
        "u'",
        "t'",
        "fr\"",
        "rf'''",
        "x'",
        "1f'",
        "1.f'",
        "1e-f'",
        "a+f'",
        "a.f'",
        ".5f'",
        "{",
        "}",
        "{{",
        "}}",
        ":",
        ":=",
        "!r",
        "=",
        ":>{",
        "{x:{y}}",
        "\\",
        "\\\n",
        "\\\r\n",
        "\\'",
        "\\{",
        "\\\\",
        "\n",
        "\r",
        "\r\n",
        "\n    ",
        "\n\t",
        "\n        ",
        "\n  ",
        "\n\x0c ",
        "(",
        ")",
        "[",
        "]",
        "+",
        "-",
        "*",
        "**",
        "/",
        "//",
        "%",
        "@",
        "&",
        "|",
        "^",
        "~",
        "<<",
        ">>",
        "<",
        ">",
        "<=",
        "==",
        "!=",
        "->",
        "+=",
        "<<=",
        "**=",
        ",",
        ";",
        ".",
        "...",
        "not ",
        " not ",
        " in ",
        " is ",
        " and ",
        " or ",
        " if ",
        " else ",
        "lambda ",
        "yield ",
        "async ",
        "await ",
        " for ",
        "def ",
        "return ",
        "None",
        "True",
        "x",
        "abc",
        "l",
        "n",
        "w",
        "_a1",
        "else",
        "\u{e9}",
        "\u{4e2d}\u{6587}",
        "\u{1f600}",
        "1",
        "0xE",
        "1e-5",
        ".5",
        "1_000",
        "0b1",
        "# c",
        "#",
        " ",
        " ",
        " ",
        "\t",
        "\x0c",
        "\0",
    ];

    /// A generator of the same texts on every run (SplitMix64).
    struct Random(u64);

    impl Random {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Generated texts give the reference's result at every limit up to their depth and a little past:
    /// pieces at random, and runs of one piece (deep nesting, long lines, long strings).
    #[test]
    fn generated_texts_as_the_reference() {
        let mut random = Random(0x5eed);
        for _ in 0..4_000 {
            let mut text = String::new();
            for _ in 0..random.below(40) {
                let piece = PIECES[random.below(PIECES.len())];
                let times = if random.below(8) == 0 { 1 + random.below(30) } else { 1 };
                for _ in 0..times {
                    text.push_str(piece);
                }
            }
            let depth = (0..=200).find(|&limit| reference::check(&text, limit).is_ok()).unwrap_or(200);
            assert_same_as_reference(&text, (0..=depth + 2).chain([1_000, u32::MAX]));
        }
    }

    /// Compares the scan with the reference on every `.py` file under the directories that
    /// `PYDEVCHECK_NESTING_DIRS` lists (separated as in `PATH`; the repository's `fixtures/` when unset), at
    /// the real limit and at small ones that stop most files somewhere, then times both at the real limit:
    /// `PYDEVCHECK_NESTING_DIRS=... cargo test --release -p pydevcheck_analyzer --lib nesting -- --nocapture`.
    /// Files are read as UTF-8, invalid bytes replaced.
    #[test]
    fn directories_as_the_reference() {
        let (dirs, paths, texts) = nesting_test_texts();
        let limit = crate::parse::MAX_DEPTH;
        let mut differences = 0;
        let mut refused = 0;
        for (path, text) in paths.iter().zip(&texts) {
            for limit in [limit, 50, 20, 8, 3] {
                let fast = check(text, limit).map_err(|too_deep| too_deep.offset);
                let slow = reference::check(text, limit).map_err(|too_deep| too_deep.offset);
                refused += usize::from(slow.is_err());
                if fast != slow {
                    differences += 1;
                    eprintln!("{}: limit {limit}: {fast:?}, the reference {slow:?}", path.display());
                }
            }
        }
        let time = |scan: fn(&str, u32) -> bool| {
            (0..3)
                .map(|_| {
                    let start = std::time::Instant::now();
                    let passed = texts.iter().filter(|text| scan(text, limit)).count();
                    (start.elapsed(), passed)
                })
                .min()
                .expect("three rounds")
        };
        let (fast, passed) = time(|text, limit| check(text, limit).is_ok());
        let (slow, reference_passed) = time(|text, limit| reference::check(text, limit).is_ok());
        let bytes: usize = texts.iter().map(String::len).sum();
        eprintln!(
            "{} files, {bytes} bytes, 5 limits: {differences} differences ({refused} refusals by the reference); \
             at limit {limit}: {passed} pass, scan {fast:?}, reference {slow:?} ({reference_passed} pass)",
            texts.len()
        );
        assert!(!texts.is_empty(), "no Python file under {dirs:?}");
        assert_eq!(differences, 0);
    }
}
