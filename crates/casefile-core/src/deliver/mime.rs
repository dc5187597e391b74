//! MIME messages: one e-mail that carries a request as readable text and its files as
//! attachments, written as a stream.
//!
//! A [`Message`] is built from a [`Submission`](super::Submission): headers (From, To, Subject,
//! Date, a Message-ID derived from the submission id so every retry carries the same one,
//! `X-Casefile-Case`), a `text/plain` UTF-8 part in quoted-printable and one base64 part per
//! attachment. Everything except the attachments' bytes is prepared in memory when the message is
//! built; the attachments are read from disk in chunks while writing, so a 1 GB bundle costs the
//! same memory as a 1 KB one. [`Message::size`] is the exact number of bytes
//! [`Message::write_to`] writes, known before writing (for SMTP's `SIZE` and bundle budgets), and
//! [`attachment_room`] / [`attachment_budget`] turn an e-mail size limit into the raw attachment
//! size that fits. Every line ends in CRLF and is at most 78 characters long, except header lines
//! that carry one long unbreakable word.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::Submission;

/// The domain of every Message-ID Casefile makes: `.invalid` is reserved, so it never collides
/// with a real host's ids.
pub const MESSAGE_ID_DOMAIN: &str = "casefile.invalid";

/// Bytes [`attachment_budget`] keeps for the headers, the request text and the attachment's own
/// part headers when the message is not known yet.
pub const TEXT_ALLOWANCE: u64 = 128 * 1024;

/// Room kept below a size limit for what servers add on the way (`Received` headers, envelope
/// information that Postfix counts against `message_size_limit`): 2 KiB and 1% of the limit.
pub fn transit_allowance(limit: u64) -> u64 {
    2048 + limit / 100
}

/// Raw bytes per base64 line: 57 bytes make 76 characters.
const LINE_BYTES: usize = 57;
/// Raw bytes read from an attachment at a time (1024 lines).
const CHUNK_BYTES: usize = LINE_BYTES * 1024;

/// A sender or recipient with an optional display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    /// The display name (`Ada Lovelace`), possibly empty.
    pub name: String,
    /// The address (`ada@example.com`).
    pub address: String,
}

/// Why a message could not be built or written.
#[derive(Debug, thiserror::Error)]
pub enum MimeError {
    /// An address is not one an e-mail can carry.
    #[error("{field} address {value:?}: {why}")]
    Address {
        /// Which header (`From`, `To`).
        field: &'static str,
        /// The address as given.
        value: String,
        /// What is wrong with it and how to fix it.
        why: String,
    },
    /// An attachment could not be read, or changed while the message was written.
    #[error("attachment {name} ({path}): {message}")]
    Attachment {
        /// The attachment's name.
        name: String,
        /// Where it is read from.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The output refused the bytes (a full disk, a closed connection).
    #[error("{0}")]
    Output(#[from] io::Error),
}

/// One e-mail, ready to be measured and written.
#[derive(Debug, Clone)]
pub struct Message {
    message_id: String,
    /// Headers, preamble, the text part and the opening of the first attachment part's boundary.
    head: String,
    parts: Vec<Part>,
    /// The closing delimiter.
    tail: String,
}

#[derive(Debug, Clone)]
struct Part {
    name: String,
    path: PathBuf,
    size: u64,
    /// The boundary line and the part's headers, up to and including the blank line.
    head: String,
}

impl Message {
    /// The message for `submission` from `from` to `to` (an empty list writes no `To` header, for
    /// a draft the user completes), dated `date`. Attachments are measured now (not read): a
    /// missing one is an error naming it.
    pub fn new(
        submission: &Submission,
        from: Option<&Mailbox>,
        to: &[String],
        date: DateTime<Utc>,
    ) -> Result<Message, MimeError> {
        Message::build(submission, from, to, date, false)
    }

    /// Like [`Message::new`], marked as a draft (`X-Unsent: 1`) so that mail programs open the
    /// saved `.eml` ready to send.
    pub fn draft(
        submission: &Submission,
        from: Option<&Mailbox>,
        to: &[String],
        date: DateTime<Utc>,
    ) -> Result<Message, MimeError> {
        Message::build(submission, from, to, date, true)
    }

    fn build(
        submission: &Submission,
        from: Option<&Mailbox>,
        to: &[String],
        date: DateTime<Utc>,
        draft: bool,
    ) -> Result<Message, MimeError> {
        let message_id = message_id(&submission.id, &submission.case_code);
        let boundary = boundary(&message_id);
        let mut head = String::new();
        if let Some(from) = from {
            let address = check_address("From", &from.address)?;
            head.push_str(&fold_line(&format!(
                "From: {}",
                mailbox_text(&from.name, address)
            )));
        }
        if !to.is_empty() {
            let mut addresses = Vec::with_capacity(to.len());
            for address in to {
                addresses.push(format!("<{}>", check_address("To", address)?));
            }
            head.push_str(&fold_list("To: ", &addresses));
        }
        head.push_str(&subject_header(&submission.subject));
        let _ = write!(head, "Date: {}\r\n", date.to_rfc2822());
        let _ = write!(head, "Message-ID: <{message_id}>\r\n");
        let case: String = submission
            .case_code
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(200)
            .collect();
        if !case.is_empty() {
            let _ = write!(head, "X-Casefile-Case: {case}\r\n");
        }
        if draft {
            head.push_str("X-Unsent: 1\r\n");
        }
        head.push_str("MIME-Version: 1.0\r\n");
        let _ = write!(
            head,
            "Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n"
        );
        head.push_str("This is a message in MIME format.\r\n");
        let _ = write!(head, "--{boundary}\r\n");
        head.push_str("Content-Type: text/plain; charset=utf-8\r\n");
        head.push_str("Content-Transfer-Encoding: quoted-printable\r\n\r\n");
        head.push_str(&quoted_printable(&submission.text));

        let mut parts = Vec::with_capacity(submission.attachments.len());
        for attachment in &submission.attachments {
            let size = std::fs::metadata(&attachment.path)
                .map_err(|error| MimeError::Attachment {
                    name: attachment.name.clone(),
                    path: attachment.path.clone(),
                    message: format!("cannot read it: {error}"),
                })?
                .len();
            parts.push(Part {
                name: attachment.name.clone(),
                path: attachment.path.clone(),
                size,
                head: format!(
                    "--{boundary}\r\n{}",
                    attachment_headers(&attachment.name, &attachment.content_type)
                ),
            });
        }
        Ok(Message {
            message_id,
            head,
            parts,
            tail: format!("--{boundary}--\r\n"),
        })
    }

    /// Adds `Reply-To: <address>`, so that answers reach the requester when the message is sent
    /// from another address (a relay's no-reply sender).
    pub fn reply_to(mut self, address: &str) -> Result<Message, MimeError> {
        let address = check_address("Reply-To", address)?;
        self.head
            .insert_str(0, &format!("Reply-To: <{address}>\r\n"));
        Ok(self)
    }

    /// The Message-ID without angle brackets (`CF-7K2M-9QXD.helpdesk@casefile.invalid`).
    pub fn message_id(&self) -> &str {
        &self.message_id
    }

    /// The exact number of bytes [`Message::write_to`] writes.
    pub fn size(&self) -> u64 {
        self.overhead()
            + self
                .parts
                .iter()
                .map(|part| encoded_len(part.size))
                .sum::<u64>()
    }

    /// The bytes of everything but the attachments' encoded contents.
    fn overhead(&self) -> u64 {
        (self.head.len()
            + self.tail.len()
            + self.parts.iter().map(|part| part.head.len()).sum::<usize>()) as u64
    }

    /// The largest attachment, in raw bytes, that this message could carry in place of its
    /// attachments (with the same names) and stay within `limit` bytes once servers on the way
    /// added their headers ([`transit_allowance`]): what to give `--budget` when a server's
    /// limit is too small.
    pub fn attachment_budget(&self, limit: u64) -> u64 {
        // Each extra part beyond the first costs up to 4 bytes of padding and a partial line.
        let extra = self.parts.len().saturating_sub(1) as u64 * 6;
        attachment_room(limit, self.overhead() + extra + transit_allowance(limit))
    }

    /// Writes the message to `out`, reading attachments in chunks; returns the bytes written,
    /// which equal [`Message::size`]. An attachment whose size changed since the message was
    /// built is an error rather than a message of another size.
    pub fn write_to<W: Write + ?Sized>(&self, out: &mut W) -> Result<u64, MimeError> {
        out.write_all(self.head.as_bytes())?;
        let mut written = self.head.len() as u64;
        let mut input = vec![0u8; CHUNK_BYTES];
        let mut encoded = vec![0u8; CHUNK_BYTES / LINE_BYTES * 78];
        for part in &self.parts {
            out.write_all(part.head.as_bytes())?;
            written += part.head.len() as u64;
            let fail = |message: String| MimeError::Attachment {
                name: part.name.clone(),
                path: part.path.clone(),
                message,
            };
            let mut file =
                File::open(&part.path).map_err(|error| fail(format!("cannot open it: {error}")))?;
            let mut remaining = part.size;
            while remaining > 0 {
                let want = remaining.min(CHUNK_BYTES as u64) as usize;
                let got = fill(&mut file, &mut input[..want])
                    .map_err(|error| fail(format!("cannot read it: {error}")))?;
                if got < want {
                    return Err(fail(format!(
                        "it shrank while being sent (now {} bytes, {} expected); submit it again",
                        part.size - remaining + got as u64,
                        part.size
                    )));
                }
                let length = encode_lines(&input[..got], &mut encoded);
                out.write_all(&encoded[..length])?;
                written += length as u64;
                remaining -= got as u64;
            }
            let mut probe = [0u8; 1];
            if fill(&mut file, &mut probe)
                .map_err(|error| fail(format!("cannot read it: {error}")))?
                > 0
            {
                return Err(fail(format!(
                    "it grew while being sent ({} bytes expected); submit it again",
                    part.size
                )));
            }
        }
        out.write_all(self.tail.as_bytes())?;
        written += self.tail.len() as u64;
        Ok(written)
    }
}

/// The Message-ID (without angle brackets) of submission `id`: the same for every attempt.
/// Characters an address cannot carry become `-`; an empty id falls back to the case code.
pub fn message_id(id: &str, case_code: &str) -> String {
    let source = if id.trim().is_empty() { case_code } else { id };
    let mut local = String::new();
    for c in source.trim().chars().take(200) {
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '=') {
            local.push(c);
        } else if c == '.' && !local.is_empty() && !local.ends_with('.') {
            local.push('.');
        } else {
            local.push('-');
        }
    }
    let local = local.trim_end_matches('.');
    let local = if local.chars().all(|c| c == '-') {
        "casefile"
    } else {
        local
    };
    format!("{local}@{MESSAGE_ID_DOMAIN}")
}

/// The size of `raw` bytes in base64 with 76-character lines, each ending in CRLF.
pub fn encoded_len(raw: u64) -> u64 {
    let chars = raw.div_ceil(3) * 4;
    chars + chars.div_ceil(76) * 2
}

/// The largest attachment, in raw bytes, that fits in an e-mail of `limit` bytes whose other
/// content (headers, text, the attachment's part headers) takes `rest` bytes.
pub fn attachment_room(limit: u64, rest: u64) -> u64 {
    let room = limit.saturating_sub(rest);
    let lines = room / 78;
    let left = room % 78;
    let last = if left >= 6 { (left - 2) / 4 * 3 } else { 0 };
    lines * LINE_BYTES as u64 + last
}

/// The largest attachment, in raw bytes, that fits in an e-mail of `limit` bytes, keeping
/// [`TEXT_ALLOWANCE`] for the headers and text and [`transit_allowance`] for what servers add
/// on the way: a bundle budget from a server's `SIZE`.
pub fn attachment_budget(limit: u64) -> u64 {
    attachment_room(limit, TEXT_ALLOWANCE + transit_allowance(limit))
}

/// Reads until `buf` is full or the file ends; returns how much was read.
fn fill(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(got)
}

/// Encodes `input` as base64 lines of 76 characters plus CRLF into `out`; returns the length.
fn encode_lines(input: &[u8], out: &mut [u8]) -> usize {
    let mut at = 0;
    for line in input.chunks(LINE_BYTES) {
        let n = STANDARD
            .encode_slice(line, &mut out[at..at + 76])
            .unwrap_or(0);
        at += n;
        out[at] = b'\r';
        out[at + 1] = b'\n';
        at += 2;
    }
    at
}

/// The multipart boundary: `=_` can appear neither in quoted-printable nor in base64, so no
/// part can contain it.
fn boundary(message_id: &str) -> String {
    let digest = Sha256::digest(message_id.as_bytes());
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("=_casefile_{hex}")
}

/// Checks that `address` is a plain ASCII `local@domain` an SMTP command can carry.
fn check_address<'a>(field: &'static str, address: &'a str) -> Result<&'a str, MimeError> {
    let trimmed = address.trim();
    let bad = |why: &str| MimeError::Address {
        field,
        value: address.to_owned(),
        why: why.to_owned(),
    };
    if trimmed.is_empty() {
        return Err(bad(
            "it is empty; give an address such as support@example.com",
        ));
    }
    if !trimmed.is_ascii() {
        return Err(bad(
            "addresses with non-ASCII characters are not supported; give an ASCII address",
        ));
    }
    if trimmed
        .chars()
        .any(|c| c.is_ascii_control() || c.is_whitespace() || "<>()[],;:\"\\".contains(c))
    {
        return Err(bad(
            "write only the address, such as support@example.com, without a name, spaces or brackets",
        ));
    }
    match trimmed.rsplit_once('@') {
        Some((local, domain))
            if !local.is_empty() && !domain.is_empty() && !domain.contains('@') =>
        {
            Ok(trimmed)
        }
        _ => Err(bad(
            "an address has one @ between a name and a domain, such as support@example.com",
        )),
    }
}

/// `"Name" <address>`, or `<address>` without a name; non-ASCII names as encoded words.
fn mailbox_text(name: &str, address: &str) -> String {
    let name: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let name = name.trim();
    if name.is_empty() {
        return format!("<{address}>");
    }
    if name.is_ascii() {
        let quoted = name.replace('\\', "\\\\").replace('"', "\\\"");
        format!("\"{quoted}\" <{address}>")
    } else {
        format!("{} <{address}>", encoded_words(name).join(" "))
    }
}

/// `name: a, b, c` folded so lines stay within 78 characters where the items allow.
fn fold_list(start: &str, items: &[String]) -> String {
    let mut out = String::from(start);
    let mut line = start.len();
    for (i, item) in items.iter().enumerate() {
        let text = if i + 1 < items.len() {
            format!("{item},")
        } else {
            item.clone()
        };
        if i > 0 {
            if line + 1 + text.len() > 78 {
                out.push_str("\r\n ");
                line = 1;
            } else {
                out.push(' ');
                line += 1;
            }
        }
        out.push_str(&text);
        line += text.len();
    }
    out.push_str("\r\n");
    out
}

/// One header line folded at spaces to stay within 78 characters where the words allow.
fn fold_line(line: &str) -> String {
    let words: Vec<String> = line.split(' ').map(str::to_owned).collect();
    let mut out = String::new();
    let mut length = 0;
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            if length + 1 + word.len() > 78 && length > 1 {
                out.push_str("\r\n ");
                length = 1;
            } else {
                out.push(' ');
                length += 1;
            }
        }
        out.push_str(word);
        length += word.len();
    }
    out.push_str("\r\n");
    out
}

/// The Subject header: ASCII words as they are (so the case code stays searchable in the raw
/// message), runs of other words as RFC 2047 encoded words; folded to 78 columns.
fn subject_header(subject: &str) -> String {
    let clean: String = subject
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let plain = |word: &str| word.is_ascii() && word.len() <= 900 && !word.contains("=?");
    let mut tokens: Vec<String> = Vec::new();
    let mut run: Vec<&str> = Vec::new();
    for word in clean.split(' ').filter(|w| !w.is_empty()) {
        if plain(word) {
            if !run.is_empty() {
                tokens.extend(encoded_words(&run.join(" ")));
                run.clear();
            }
            tokens.push(word.to_owned());
        } else {
            run.push(word);
        }
    }
    if !run.is_empty() {
        tokens.extend(encoded_words(&run.join(" ")));
    }
    let mut out = String::from("Subject:");
    let mut length = out.len();
    for token in tokens {
        if length + 1 + token.len() > 78 && length > 8 {
            out.push_str("\r\n ");
            length = 1;
        } else {
            out.push(' ');
            length += 1;
        }
        out.push_str(&token);
        length += token.len();
    }
    out.push_str("\r\n");
    out
}

/// `text` as RFC 2047 `=?UTF-8?B?...?=` words of at most 64 characters, split on character
/// boundaries.
fn encoded_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        if chunk.len() + c.len_utf8() > 39 {
            words.push(format!("=?UTF-8?B?{}?=", STANDARD.encode(&chunk)));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() || words.is_empty() {
        words.push(format!("=?UTF-8?B?{}?=", STANDARD.encode(&chunk)));
    }
    words
}

/// The headers of an attachment part, up to and including the blank line.
fn attachment_headers(name: &str, content_type: &str) -> String {
    let content_type = content_type.trim();
    let token = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
    };
    let content_type = match content_type.split_once('/') {
        Some((kind, sub)) if token(kind) && token(sub) && content_type.len() <= 100 => {
            content_type.to_ascii_lowercase()
        }
        _ => "application/octet-stream".to_owned(),
    };
    let clean: String = name.chars().filter(|c| !c.is_control()).take(200).collect();
    let clean = if clean.trim().is_empty() {
        "attachment".to_owned()
    } else {
        clean
    };
    let mut headers = String::new();
    if clean.is_ascii() {
        let quoted = clean.replace('\\', "\\\\").replace('"', "\\\"");
        let _ = write!(
            headers,
            "Content-Type: {content_type};\r\n name=\"{quoted}\"\r\nContent-Disposition: attachment;\r\n filename=\"{quoted}\"\r\n"
        );
    } else {
        let ascii: String = clean
            .chars()
            .map(|c| {
                if c.is_ascii() && c != '"' && c != '\\' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let mut percent = String::new();
        for byte in clean.bytes() {
            if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
                percent.push(byte as char);
            } else {
                let _ = write!(percent, "%{byte:02X}");
            }
        }
        let _ = write!(
            headers,
            "Content-Type: {content_type};\r\n name=\"{ascii}\"\r\nContent-Disposition: attachment;\r\n filename*=utf-8''{percent}\r\n"
        );
    }
    headers.push_str("Content-Transfer-Encoding: base64\r\n\r\n");
    headers
}

/// `text` in quoted-printable with CRLF line ends and lines of at most 76 characters, ending in
/// CRLF. A line starting with `From ` gets its `F` encoded (mbox files would mangle it).
fn quoted_printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let body = text.strip_suffix('\n').unwrap_or(text);
    for line in body.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line).as_bytes();
        let mut length = 0usize;
        for (i, &byte) in line.iter().enumerate() {
            let last = i + 1 == line.len();
            let literal = match byte {
                b'=' => false,
                b' ' | b'\t' => !last,
                b'F' if i == 0 => !line.starts_with(b"From "),
                33..=126 => true,
                _ => false,
            };
            let width = if literal { 1 } else { 3 };
            // A soft break (`=`) needs one column; the line's last character does not.
            let limit = if last { 76 } else { 75 };
            if length + width > limit {
                out.push_str("=\r\n");
                length = 0;
            }
            if literal {
                out.push(byte as char);
            } else {
                let _ = write!(out, "={byte:02X}");
            }
            length += width;
        }
        out.push_str("\r\n");
    }
    out
}

/// Test helpers shared by the delivery modules' tests.
#[cfg(test)]
pub(crate) mod testing {
    use std::path::Path;
    use std::process::Command;

    /// Parses the e-mail at `path` with Python's `email` module and returns what it found:
    /// `subject`, `from_name`, `from_address`, `to`, `message_id`, `case`, `date`, `text` and `attachments`
    /// (`filename`, `content_type`, `sha256`, `size`), plus `defects`.
    pub(crate) fn python_parse(path: &Path) -> serde_json::Value {
        let script = r#"
import email, email.policy, hashlib, json, sys
with open(sys.argv[1], 'rb') as f:
    msg = email.message_from_binary_file(f, policy=email.policy.default)
frm = msg['from'].addresses[0] if msg['from'] else None
out = {'subject': str(msg['subject']), 'to': str(msg['to'] or ''),
       'from_name': frm.display_name if frm else '', 'from_address': frm.addr_spec if frm else '',
       'message_id': str(msg['message-id']), 'case': str(msg['x-casefile-case']),
       'date': str(msg['date']), 'content_type': msg.get_content_type(),
       'defects': [str(d) for d in msg.defects], 'attachments': [], 'text': None}
for part in msg.walk():
    out['defects'] += [str(d) for d in part.defects]
    if part.get_content_disposition() == 'attachment':
        data = part.get_payload(decode=True)
        out['attachments'].append({'filename': part.get_filename(), 'content_type': part.get_content_type(),
                                   'sha256': hashlib.sha256(data).hexdigest(), 'size': len(data)})
    elif part.get_content_type() == 'text/plain' and out['text'] is None:
        out['text'] = part.get_content()
print(json.dumps(out))
"#;
        let output = Command::new("python3")
            .arg("-c")
            .arg(script)
            .arg(path)
            .output()
            .expect("python3 runs (install it: apt-get install python3)");
        assert!(
            output.status.success(),
            "python3 could not parse {}: {}",
            path.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("python3 printed JSON")
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use chrono::TimeZone;

    use super::testing::python_parse;
    use super::*;
    use crate::deliver::{Attachment, PriorityLevel, Requester};

    fn pseudo_random(size: usize, seed: u64) -> Vec<u8> {
        let mut state = seed | 1;
        (0..size)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect()
    }

    fn hex_sha256(bytes: &[u8]) -> String {
        Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn submission(dir: &Path, files: &[(&str, usize)]) -> (Submission, Vec<Vec<u8>>) {
        let mut attachments = Vec::new();
        let mut contents = Vec::new();
        for (i, (name, size)) in files.iter().enumerate() {
            let bytes = pseudo_random(*size, i as u64 + 7);
            let path = dir.join(format!("file{i}"));
            std::fs::write(&path, &bytes).expect("test step");
            attachments.push(Attachment {
                name: (*name).to_owned(),
                path,
                content_type: "application/zip".to_owned(),
                size: *size as u64,
                sha256: hex_sha256(&bytes),
            });
            contents.push(bytes);
        }
        let submission = Submission {
            id: "CF-7K2M-9QXD.helpdesk".to_owned(),
            case_code: "CF-7K2M-9QXD".to_owned(),
            subject: "[CF-7K2M-9QXD] Agent stopped reporting".to_owned(),
            text: "# Agent stopped reporting\n\nSince 09:00 = no heartbeat.\n.\nFrom here on nothing.\nA very long line that goes on and on and on and on and on and on and on past seventy-six columns, with ümlauts.\ntrailing space \n".to_owned(),
            request_json: "{}".to_owned(),
            requester: Requester {
                name: "Ada Lovelace".to_owned(),
                email: "ada@example.test".to_owned(),
                ..Requester::default()
            },
            priority: PriorityLevel {
                id: "2".to_owned(),
                label: "High".to_owned(),
                rank: 1,
                levels: 4,
            },
            vendor: "Acme".to_owned(),
            profile: "acme".to_owned(),
            vendor_email: Some("support@example.test".to_owned()),
            attachments,
        };
        (submission, contents)
    }

    fn date() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 14, 5, 0)
            .single()
            .expect("a valid date")
    }

    fn ada() -> Mailbox {
        Mailbox {
            name: "Ada Lovelace".to_owned(),
            address: "ada@example.test".to_owned(),
        }
    }

    fn written(message: &Message) -> Vec<u8> {
        let mut out = Vec::new();
        let n = message.write_to(&mut out).expect("test step");
        assert_eq!(n, out.len() as u64);
        out
    }

    #[test]
    fn the_computed_size_equals_the_bytes_written_for_every_remainder() {
        let dir = tempfile::tempdir().expect("test step");
        for size in [
            0,
            1,
            2,
            3,
            56,
            57,
            58,
            114,
            1000,
            CHUNK_BYTES - 1,
            CHUNK_BYTES + 1,
        ] {
            let (submission, _) = submission(dir.path(), &[("CF-7K2M-9QXD.zip", size)]);
            let message = Message::new(
                &submission,
                Some(&ada()),
                &["a@example.test".into()],
                date(),
            )
            .expect("test step");
            assert_eq!(
                message.size(),
                written(&message).len() as u64,
                "attachment of {size} bytes"
            );
        }
    }

    #[test]
    fn every_line_ends_in_crlf_and_stays_within_78_characters() {
        let dir = tempfile::tempdir().expect("test step");
        let (mut submission, _) = submission(dir.path(), &[("CF-7K2M-9QXD.zip", 5000)]);
        submission.subject = "[CF-7K2M-9QXD] ".to_owned() + &"word ".repeat(40);
        let to: Vec<String> = (0..12).map(|i| format!("person{i}@example.test")).collect();
        let message = Message::new(&submission, Some(&ada()), &to, date()).expect("test step");
        let bytes = written(&message);
        let text = String::from_utf8(bytes).expect("test step");
        assert!(text.ends_with("\r\n"));
        for line in text.split("\r\n") {
            assert!(
                !line.contains('\n') && !line.contains('\r'),
                "bare line end in {line:?}"
            );
            assert!(
                line.len() <= 78,
                "line of {} characters: {line:?}",
                line.len()
            );
        }
    }

    #[test]
    fn python_reads_the_headers_text_and_attachments_back_unchanged() {
        let dir = tempfile::tempdir().expect("test step");
        let (mut submission, contents) = submission(
            dir.path(),
            &[
                ("CF-7K2M-9QXD.zip", 200_000),
                ("Übersicht – notes.txt", 1234),
            ],
        );
        submission.subject = "[CF-7K2M-9QXD] Agent meldet sich nicht – Überwachung gestört, seit Montag früh, bitte dringend prüfen".to_owned();
        let from = Mailbox {
            name: "Zoë \"Ops\" Ågren".to_owned(),
            address: "zoe@example.test".to_owned(),
        };
        let message = Message::new(
            &submission,
            Some(&from),
            &["support@example.test".into(), "cc@example.test".into()],
            date(),
        )
        .expect("test step");
        let path = dir.path().join("message.eml");
        let mut file = File::create(&path).expect("test step");
        message.write_to(&mut file).expect("test step");
        drop(file);
        let parsed = python_parse(&path);
        assert_eq!(parsed["defects"], serde_json::json!([]));
        assert_eq!(parsed["subject"], submission.subject.as_str());
        assert_eq!(parsed["from_name"], "Zoë \"Ops\" Ågren");
        assert_eq!(parsed["from_address"], "zoe@example.test");
        assert_eq!(parsed["to"], "support@example.test, cc@example.test");
        assert_eq!(
            parsed["message_id"],
            "<CF-7K2M-9QXD.helpdesk@casefile.invalid>"
        );
        assert_eq!(parsed["case"], "CF-7K2M-9QXD");
        assert_eq!(parsed["date"], "Mon, 23 Nov 2026 14:05:00 +0000");
        assert_eq!(parsed["content_type"], "multipart/mixed");
        let text = parsed["text"].as_str().expect("test step");
        assert_eq!(
            text.trim_end(),
            submission.text.trim_end(),
            "the request text survives quoted-printable"
        );
        let attachments = parsed["attachments"].as_array().expect("test step");
        assert_eq!(attachments.len(), 2);
        for (found, (attachment, bytes)) in attachments
            .iter()
            .zip(submission.attachments.iter().zip(&contents))
        {
            assert_eq!(found["filename"], attachment.name.as_str());
            assert_eq!(found["sha256"], hex_sha256(bytes).as_str());
        }
        assert_eq!(attachments[0]["content_type"], "application/zip");
    }

    #[test]
    fn the_message_id_is_the_same_for_every_attempt_and_safe_in_a_header() {
        assert_eq!(
            message_id("CF-7K2M-9QXD.helpdesk", "CF-7K2M-9QXD"),
            "CF-7K2M-9QXD.helpdesk@casefile.invalid"
        );
        assert_eq!(
            message_id("", "CF-7K2M-9QXD"),
            "CF-7K2M-9QXD@casefile.invalid"
        );
        assert_eq!(
            message_id("a b>\r\nBcc: x@y", ""),
            "a-b---Bcc--x-y@casefile.invalid"
        );
        assert_eq!(message_id("..", ""), "casefile@casefile.invalid");
    }

    #[test]
    fn a_non_ascii_subject_keeps_its_ascii_words_readable_in_the_raw_message() {
        let header = subject_header("[CF-7K2M-9QXD] Agent – Überwachung gestört seit Montag");
        assert!(
            header.starts_with("Subject: [CF-7K2M-9QXD] Agent =?UTF-8?B?"),
            "{header}"
        );
        assert!(header.contains(" seit Montag\r\n"), "{header}");
    }

    #[test]
    fn a_subject_with_line_breaks_cannot_add_headers() {
        let dir = tempfile::tempdir().expect("test step");
        let (mut submission, _) = submission(dir.path(), &[]);
        submission.subject = "hello\r\nBcc: victim@example.test".to_owned();
        let message = Message::new(&submission, None, &[], date()).expect("test step");
        let text = String::from_utf8(written(&message)).expect("test step");
        assert!(text.contains("Subject: hello Bcc: victim@example.test\r\n"));
        assert!(!text.contains("\r\nBcc:"));
    }

    #[test]
    fn addresses_that_smtp_cannot_carry_are_refused_with_the_field_named() {
        let dir = tempfile::tempdir().expect("test step");
        let (submission, _) = submission(dir.path(), &[]);
        for bad in [
            "",
            "no-at-sign",
            "a@b>\r\nRCPT TO:<x@y",
            "Ada <ada@x>",
            "ü@example.test",
            "@example.test",
        ] {
            let error =
                Message::new(&submission, None, &[bad.to_owned()], date()).expect_err("fails");
            assert!(error.to_string().starts_with("To address"), "{error}");
        }
        let error = Message::new(
            &submission,
            Some(&Mailbox {
                name: String::new(),
                address: "x y@z".into(),
            }),
            &[],
            date(),
        )
        .expect_err("fails");
        assert!(
            error.to_string().starts_with("From address \"x y@z\""),
            "{error}"
        );
    }

    #[test]
    fn a_missing_attachment_is_named_when_the_message_is_built() {
        let dir = tempfile::tempdir().expect("test step");
        let (mut submission, _) = submission(dir.path(), &[("CF.zip", 10)]);
        submission.attachments[0].path = dir.path().join("gone.zip");
        let error = Message::new(&submission, None, &[], date()).expect_err("fails");
        assert!(error.to_string().contains("attachment CF.zip"), "{error}");
        assert!(error.to_string().contains("gone.zip"), "{error}");
    }

    #[test]
    fn an_attachment_that_grows_after_measuring_is_an_error_not_a_wrong_size() {
        let dir = tempfile::tempdir().expect("test step");
        let (submission, _) = submission(dir.path(), &[("CF.zip", 100)]);
        let message = Message::new(&submission, None, &[], date()).expect("test step");
        std::fs::write(&submission.attachments[0].path, [1u8; 101]).expect("test step");
        let error = message.write_to(&mut Vec::new()).expect_err("fails");
        assert!(error.to_string().contains("grew"), "{error}");
        std::fs::write(&submission.attachments[0].path, [1u8; 99]).expect("test step");
        let error = message.write_to(&mut Vec::new()).expect_err("fails");
        assert!(error.to_string().contains("shrank"), "{error}");
    }

    #[test]
    fn attachment_room_is_the_largest_size_whose_encoding_fits() {
        for room in 0..2000u64 {
            let n = attachment_room(room, 0);
            assert!(
                encoded_len(n) <= room,
                "{n} bytes encode to more than {room}"
            );
            assert!(
                encoded_len(n + 1) > room,
                "{} bytes would still fit in {room}",
                n + 1
            );
        }
        assert_eq!(attachment_room(100, 200), 0);
        let limit = 20 * 1024 * 1024;
        let budget = attachment_budget(limit);
        assert!(encoded_len(budget) + TEXT_ALLOWANCE + transit_allowance(limit) <= limit);
        assert!(budget > limit * 70 / 100 && budget < limit * 3 / 4);
    }

    #[test]
    fn a_message_built_to_its_own_budget_fits_the_limit_exactly() {
        let dir = tempfile::tempdir().expect("test step");
        let (submission0, _) = submission(dir.path(), &[("CF-7K2M-9QXD.zip", 10)]);
        let message = Message::new(
            &submission0,
            Some(&ada()),
            &["a@example.test".into()],
            date(),
        )
        .expect("test step");
        let limit = 50_000;
        let budget = message.attachment_budget(limit);
        let (fitting, _) = submission(dir.path(), &[("CF-7K2M-9QXD.zip", budget as usize)]);
        let message = Message::new(&fitting, Some(&ada()), &["a@example.test".into()], date())
            .expect("test step");
        assert!(message.size() + transit_allowance(limit) <= limit);
        let (over, _) = submission(dir.path(), &[("CF-7K2M-9QXD.zip", budget as usize + 1)]);
        let message = Message::new(&over, Some(&ada()), &["a@example.test".into()], date())
            .expect("test step");
        assert!(message.size() + transit_allowance(limit) > limit);
    }

    #[test]
    fn reply_to_is_counted_in_the_size_and_read_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (submission, _) = submission(dir.path(), &[("CF.zip", 10)]);
        let message = Message::new(&submission, Some(&ada()), &[], date())
            .expect("message")
            .reply_to("requester@example.test")
            .expect("a valid address");
        let bytes = written(&message);
        assert_eq!(message.size(), bytes.len() as u64);
        assert!(bytes.starts_with(b"Reply-To: <requester@example.test>\r\n"));
        let bad = Message::new(&submission, None, &[], date())
            .expect("message")
            .reply_to("x\r\nBcc: y@z");
        assert!(bad.is_err());
    }

    #[test]
    fn a_draft_is_marked_unsent_so_mail_programs_open_it_ready_to_send() {
        let dir = tempfile::tempdir().expect("test step");
        let (submission, _) = submission(dir.path(), &[]);
        let draft = Message::draft(&submission, Some(&ada()), &[], date()).expect("test step");
        let text = String::from_utf8(written(&draft)).expect("test step");
        assert!(text.contains("\r\nX-Unsent: 1\r\n"));
        assert!(!text.contains("\r\nTo:"));
        let sent = Message::new(&submission, Some(&ada()), &[], date()).expect("test step");
        assert!(
            !String::from_utf8(written(&sent))
                .expect("test step")
                .contains("X-Unsent")
        );
    }

    #[test]
    fn quoted_printable_keeps_lines_short_and_encodes_what_it_must() {
        let encoded = quoted_printable("a=b \nFrom me\n\u{e9}\n");
        assert_eq!(encoded, "a=3Db=20\r\n=46rom me\r\n=C3=A9\r\n");
        let long = quoted_printable(&"x".repeat(200));
        for line in long.split("\r\n") {
            assert!(line.len() <= 76, "{line}");
        }
        assert_eq!(long.replace("=\r\n", "").trim_end(), "x".repeat(200));
    }
}
