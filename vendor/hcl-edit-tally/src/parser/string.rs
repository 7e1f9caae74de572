use super::prelude::*;

use crate::{Decorated, Ident, RawString};

use hcl_primitives::ident::{is_id_continue, is_id_start};
use std::borrow::Cow;
use winnow::combinator::{alt, cut_err, delimited, empty, fail, not, opt};
use winnow::error::{ErrMode, ParserError};
use winnow::token::{any, take, take_while};

pub(super) fn string(input: &mut Input) -> ModalResult<String> {
    delimited('"', opt(build_string(quoted_string_fragment)), '"')
        .map(Option::unwrap_or_default)
        .output_into()
        .parse_next(input)
}

pub(super) fn build_string<'a, F>(
    mut fragment_parser: F,
) -> impl ModalParser<Input<'a>, Cow<'a, str>, ContextError>
where
    F: ModalParser<Input<'a>, StringFragment<'a>, ContextError>,
{
    move |input: &mut Input<'a>| {
        let mut string = match fragment_parser.parse_next(input) {
            Ok(fragment) => match fragment {
                StringFragment::Literal(s) => Cow::Borrowed(s),
                StringFragment::EscapedChar(c) => Cow::Owned(String::from(c)),
                StringFragment::EscapedMarker(m) => Cow::Borrowed(m.unescape()),
            },
            Err(err) => return Err(err),
        };

        loop {
            match fragment_parser.parse_next(input) {
                Ok(fragment) => match fragment {
                    StringFragment::Literal(s) => string.to_mut().push_str(s),
                    StringFragment::EscapedChar(c) => string.to_mut().push(c),
                    StringFragment::EscapedMarker(m) => string.to_mut().push_str(m.unescape()),
                },
                // A backtrack marks the end of the string; a cut (e.g. an invalid escape
                // sequence) must surface instead of being silently dropped.
                Err(ErrMode::Backtrack(_)) => return Ok(string),
                Err(err) => return Err(err),
            }
        }
    }
}

/// A string fragment contains a fragment of a string being parsed: either
/// a non-empty Literal (a series of non-escaped characters), a single
/// parsed escaped character or an escaped template start marker.
#[derive(Clone)]
pub(super) enum StringFragment<'a> {
    Literal(&'a str),
    EscapedChar(char),
    EscapedMarker(EscapedMarker),
}

/// An escaped marker which would start a template interpolation or directive if unescaped.
#[derive(Clone)]
pub(super) enum EscapedMarker {
    Interpolation,
    Directive,
}

impl EscapedMarker {
    // Returns the unescaped form of the escaped marker.
    fn unescape(&self) -> &'static str {
        match self {
            EscapedMarker::Interpolation => "${",
            EscapedMarker::Directive => "%{",
        }
    }
}

pub(super) fn quoted_string_fragment<'a>(input: &mut Input<'a>) -> ModalResult<StringFragment<'a>> {
    alt((
        escaped_marker.map(StringFragment::EscapedMarker),
        string_literal.map(StringFragment::Literal),
        escaped_char.map(StringFragment::EscapedChar),
    ))
    .parse_next(input)
}

pub(super) fn template_string_fragment<'a, F, T>(
    mut literal_end: F,
) -> impl ModalParser<Input<'a>, StringFragment<'a>, ContextError>
where
    F: ModalParser<Input<'a>, T, ContextError>,
{
    move |input: &mut Input<'a>| {
        alt((
            escaped_marker.map(StringFragment::EscapedMarker),
            any_until(literal_end.by_ref(), may_end_template_literal)
                .map(StringFragment::Literal),
        ))
        .parse_next(input)
    }
}

/// Parse a non-empty block of text that doesn't include `"` or non-escaped template
/// interpolation/directive start markers.
fn string_literal<'a>(input: &mut Input<'a>) -> ModalResult<&'a str> {
    any_until(quoted_literal_end, may_end_quoted_literal).parse_next(input)
}

fn quoted_literal_end(input: &mut Input) -> ModalResult<bool> {
    dispatch! {any;
        '\"' | '\\' => empty.value(true),
        '$' | '%' => '{'.value(true),
        _ => fail,
    }
    .parse_next(input)
}

/// tally patch: the bytes at which a quoted string's literal may end (`quoted_literal_end` or an
/// escaped marker). ASCII only, so a byte that is not one of them never starts a character
/// at which either could match.
fn may_end_quoted_literal(b: u8) -> bool {
    matches!(b, b'"' | b'\\' | b'$' | b'%')
}

/// tally patch: the bytes at which a template's or heredoc's literal may end: a `${` or `%{`
/// (plain or escaped) or, in a heredoc, the line ending before its end marker.
fn may_end_template_literal(b: u8) -> bool {
    matches!(b, b'$' | b'%' | b'\n' | b'\r')
}

/// The longest non-empty literal before `literal_end` or an escaped marker, as
/// `repeat(1.., preceded(not(alt((escaped_marker, literal_end))), any)).take()` finds it.
///
/// tally patch: that combinator ran three parsers per character of every string. Now the bytes
/// for which `may_end` is false are skipped in one scan (neither parser can match there, so
/// `not` succeeds and `any` takes the character), and the parsers run only at the others, with
/// the same outcome: a backtrack there ends the literal, a cut is returned as it was.
fn any_until<'a, F, T>(
    mut literal_end: F,
    may_end: fn(u8) -> bool,
) -> impl ModalParser<Input<'a>, &'a str, ContextError>
where
    F: ModalParser<Input<'a>, T, ContextError>,
{
    move |input: &mut Input<'a>| {
        let start = input.checkpoint();
        let mut len = 0;
        loop {
            let rest = input.peek_slice(input.eof_offset());
            let skip = rest.bytes().position(may_end).unwrap_or(rest.len());
            if skip > 0 {
                input.next_slice(skip);
                len += skip;
            }
            if skip == rest.len() {
                break;
            }
            match not(alt((escaped_marker.void(), literal_end.by_ref().void()))).parse_next(input) {
                Ok(()) => len += any.parse_next(input)?.len_utf8(),
                Err(ErrMode::Backtrack(_)) => break,
                Err(e) => return Err(e),
            }
        }
        input.reset(&start);
        if len == 0 {
            return Err(ParserError::from_input(input));
        }
        Ok(input.next_slice(len))
    }
}

/// Parse an escaped start marker for a template interpolation or directive.
fn escaped_marker(input: &mut Input) -> ModalResult<EscapedMarker> {
    dispatch! {take::<_, Input, _>(3usize);
        "$${" => empty.value(EscapedMarker::Interpolation),
        "%%{" => empty.value(EscapedMarker::Directive),
        _ => fail,
    }
    .parse_next(input)
}

/// Parse an escaped character: `\n`, `\t`, `\r`, `\u00AC`, etc.
fn escaped_char(input: &mut Input) -> ModalResult<char> {
    '\\'.parse_next(input)?;

    dispatch! {any;
        'n' => empty.value('\n'),
        'r' => empty.value('\r'),
        't' => empty.value('\t'),
        '\\' => empty.value('\\'),
        '"' => empty.value('"'),
        'u' => cut_err(hexescape::<4>)
            .context(StrContext::Label("unicode 4-digit hex code")),
        'U' => cut_err(hexescape::<8>)
            .context(StrContext::Label("unicode 8-digit hex code")),
        _ => cut_err(fail)
            .context(StrContext::Label("escape sequence"))
            .context(StrContext::Expected(StrContextValue::CharLiteral('n')))
            .context(StrContext::Expected(StrContextValue::CharLiteral('r')))
            .context(StrContext::Expected(StrContextValue::CharLiteral('t')))
            .context(StrContext::Expected(StrContextValue::CharLiteral('u')))
            .context(StrContext::Expected(StrContextValue::CharLiteral('U')))
            .context(StrContext::Expected(StrContextValue::CharLiteral('\\')))
            .context(StrContext::Expected(StrContextValue::CharLiteral('"'))),
    }
    .parse_next(input)
}

fn hexescape<const N: usize>(input: &mut Input) -> ModalResult<char> {
    let parse_hex =
        take_while(1..=N, |c: char| c.is_ascii_hexdigit()).verify(|hex: &str| hex.len() == N);

    let parse_u32 = parse_hex.try_map(|hex: &str| u32::from_str_radix(hex, 16));

    parse_u32.verify_map(std::char::from_u32).parse_next(input)
}

pub(super) fn raw_string<'a, P, O>(inner: P) -> impl ModalParser<Input<'a>, RawString, ContextError>
where
    P: ModalParser<Input<'a>, O, ContextError>,
{
    inner.span().map(RawString::from_span)
}

pub(super) fn ident(input: &mut Input) -> ModalResult<Decorated<Ident>> {
    str_ident
        .map(|ident| Decorated::new(Ident::new_unchecked(ident)))
        .parse_next(input)
}

/// An identifier: what `(one_of(is_id_start), take_while(0.., is_id_continue)).take()` takes.
///
/// tally patch: the identifier's ASCII characters are classified by a byte test (the Unicode
/// tables are asked only about others), instead of decoding and table-testing each character.
pub(super) fn str_ident<'a>(input: &mut Input<'a>) -> ModalResult<&'a str> {
    let rest = input.peek_slice(input.eof_offset());
    let mut chars = rest.char_indices();
    match chars.next() {
        Some((_, c)) if is_id_start(c) => {}
        _ => return Err(ParserError::from_input(input)),
    }
    let len = chars
        .find(|&(_, c)| {
            if c.is_ascii() {
                !(c.is_ascii_alphanumeric() || c == '_' || c == '-')
            } else {
                !is_id_continue(c)
            }
        })
        .map_or(rest.len(), |(at, _)| at);
    Ok(input.next_slice(len))
}

pub(super) fn cut_char<'a>(c: char) -> impl ModalParser<Input<'a>, char, ContextError> {
    cut_err(c).context(StrContext::Expected(StrContextValue::CharLiteral(c)))
}

pub(super) fn cut_tag<'a>(tag: &'static str) -> impl ModalParser<Input<'a>, &'a str, ContextError> {
    cut_err(tag).context(StrContext::Expected(StrContextValue::StringLiteral(tag)))
}

pub(super) fn cut_ident(input: &mut Input) -> ModalResult<Decorated<Ident>> {
    cut_err(ident)
        .context(StrContext::Expected(StrContextValue::Description(
            "identifier",
        )))
        .parse_next(input)
}

pub(super) fn cut_str_ident<'a>(input: &mut Input<'a>) -> ModalResult<&'a str> {
    cut_err(str_ident)
        .context(StrContext::Expected(StrContextValue::Description(
            "identifier",
        )))
        .parse_next(input)
}

/// tally patch: the fast paths above against the combinators they replace, on every short
/// string over the characters that matter and on longer pseudo-random ones.
#[cfg(test)]
mod fast_path_tests {
    use super::super::trivia::void;
    use super::*;
    use winnow::ascii::{line_ending, space0};
    use winnow::combinator::{preceded, repeat};
    use winnow::token::one_of;
    use winnow::combinator::{eof, peek};

    fn any_until_reference<'a, F, T>(
        literal_end: F,
    ) -> impl ModalParser<Input<'a>, &'a str, ContextError>
    where
        F: ModalParser<Input<'a>, T, ContextError>,
    {
        void(repeat(
            1..,
            preceded(not(alt((escaped_marker.void(), literal_end.void()))), any),
        ))
        .take()
    }

    fn str_ident_reference<'a>(input: &mut Input<'a>) -> ModalResult<&'a str> {
        (one_of(is_id_start), take_while(0.., is_id_continue))
            .take()
            .parse_next(input)
    }

    const PIECES: [&str; 22] = [
        "a", "\"", "\\", "$", "%", "{", "}", "\n", "\r", "\r\n", "é", "-", "_", "1", " ", "\t",
        "EOF", "${", "%{", "$${", "%%{", "\u{2028}",
    ];

    /// Every concatenation of up to three pieces, then 20,000 of up to twelve.
    fn inputs() -> Vec<String> {
        let mut out = vec![String::new()];
        let mut level = vec![String::new()];
        for _ in 0..3 {
            let next: Vec<String> = level
                .iter()
                .flat_map(|s| PIECES.iter().map(move |p| format!("{s}{p}")))
                .collect();
            out.extend(next.iter().cloned());
            level = next;
        }
        let mut seed: u64 = 14;
        for _ in 0..20_000 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let n = (seed >> 60) as usize % 13;
            let mut s = String::new();
            for _ in 0..n {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                s.push_str(PIECES[(seed >> 33) as usize % PIECES.len()]);
            }
            out.push(s);
        }
        out
    }

    /// Runs `parser` on `text`: its result and where it left the input.
    fn run<'a, O: std::fmt::Debug>(
        text: &'a str,
        mut parser: impl ModalParser<Input<'a>, O, ContextError>,
    ) -> String {
        let mut input = new_input(text);
        let result = parser.parse_next(&mut input);
        format!("{result:?} at {}", text.len() - input.eof_offset())
    }

    #[test]
    fn literals_end_where_the_combinators_ended_them() {
        for text in inputs() {
            let text = text.as_str();
            assert_eq!(
                run(text, any_until(quoted_literal_end, may_end_quoted_literal)),
                run(text, any_until_reference(quoted_literal_end)),
                "quoted: {text:?}"
            );
            assert_eq!(
                run(text, any_until(alt(("${", "%{")), may_end_template_literal)),
                run(text, any_until_reference(alt(("${", "%{")))),
                "template: {text:?}"
            );
            let heredoc_end = || {
                (line_ending, space0, "EOF", space0, peek(alt((line_ending.void(), eof.void()))))
                    .take()
            };
            assert_eq!(
                run(text, any_until(alt(("${", "%{", heredoc_end())), may_end_template_literal)),
                run(text, any_until_reference(alt(("${", "%{", heredoc_end())))),
                "heredoc: {text:?}"
            );
            assert_eq!(run(text, str_ident), run(text, str_ident_reference), "ident: {text:?}");
            let ident_first = format!("x{text}");
            assert_eq!(
                run(&ident_first, str_ident),
                run(&ident_first, str_ident_reference),
                "ident: {ident_first:?}"
            );
        }
    }
}
