//! The redactor: detectors propose edits over a whole chunk, one merge pass writes the output.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::Ipv6Addr;
use std::sync::Mutex;

use memchr::memmem;

use super::key::{Keyed, hex8};
use super::names::{
    Role, anchor_spot, dotted_names, encodes_address, has_private_suffix, is_common_word,
    is_public_name, replaceable_in_place, spots_but_anchors,
};
use super::{Category, Found, Names, PseudonymKey, walk_private_keys};

const REDACTED: &[u8] = b"[REDACTED]";

/// Removes secrets and replaces identifiers with keyed pseudonyms in text; built once per bundle
/// and shared by worker threads (`Send + Sync`).
///
/// Input is bytes, not necessarily UTF-8: invalid UTF-8, NUL bytes and CRLF pass through
/// untouched except where a match is replaced. The rules:
///
/// - **Secrets** (replaced by `[REDACTED]`, each counted under a kind in
///   [`Found::secret_kinds`]):
///   - *Key words.* The value assigned to a key that holds a secret key word. The key is split
///     into components (at `_ - . / space`, at a lower- to upper-case step, before the last
///     capital of an upper-case run followed by lower case, around digits: `bot_token1`,
///     `XMLPassword`); a component is secret when it starts with `pass` (as `pass`, `password`,
///     `passwd`, `passphrase`, `passcode`), `pwd` (but not the `PWD`/`OLDPWD` variables),
///     `secret`, `token`, `credential`, `authorization`, `apikey`, `accesskey`, `privatekey`,
///     `authkey` or `connectkey` (JumpCloud's agent); when it runs a known qualifier into one
///     (`accesstoken`, `DBPASSWORD`, `PGPASSWORD`, `authtoken`, `clientsecret`, `accountkey`,
///     `serverkey`); or when it is `key` after a qualifier (`api key`, `Account_Key`,
///     `SharedAccessKey`, `master-key`, `x-functions-key`, `WRITE_KEY`) or before `data`
///     (`client-key-data`). So `libsecret`, `nopassword`,
///     `mysecretary` and `bypass` are not secret keys, and neither is a key whose last
///     component describes the secret (`token_ttl`, `password_file`, `SharedAccessKeyName`,
///     `secret_length`). Weak keys need a value that looks generated (two of lower case, upper
///     case and digits): a key ending in `signature` (`X-Amz-Signature`, 16+ bytes), `auth`
///     (Docker's `config.json`, 8+ bytes), and `sig`, `code`, `key`, `sas`, `hmac`, `signed`
///     only as URL query parameters (after `?` or `&`, 16+ bytes), so `code=200` and
///     `key=value` stay.
///   - *Assignment forms.* `k=v`, `k = v`, `k: v`, `"k": "v"`, `"k": 123`, `k ?= v`, `k := v`,
///     `k ::= v`, `k += v`, `$k .= v`, `'k' => v` (PHP, logstash, Ruby), typed declarations
///     (`String password = "v"`, `var token string = "v"`, `val apiToken: String = "v"`),
///     `env["K"] = v`, `-Dk=v`, `--k v`, `--k=v`, `?k=v&`, `;k=v;`, call arguments
///     (`setProperty("X_TOKEN", "v")`, `setenv("API_TOKEN", "v")`, `config.set("password",
///     "v")`), Go struct-tag defaults of a secret field, a Dockerfile `ENV K v`, named values
///     (`<add key="DbPassword" value="v"/>`, `name="password" value="v"`, a Kubernetes
///     `- name: DB_PASSWORD` with `value: v` on the next line, `<Data Name='Password'>v</Data>`)
///     and one-line XML elements (`<Password>v</Password>`). A colon assigns only when white
///     space or the line's end follows it or the key is quoted, so `pkg:amd64`, `host:port`
///     and `urn:secret:thing` are not assignments.
///   - *Values.* A quoted value (`"…"`, `'…'`, `` `…` ``, `\"…\"`, and `"""…"""` or `'''…'''`
///     across lines) loses everything between its quotes; `{…}` and `[…]` lose every value inside, keys kept (`"password": {"value": "v"}`);
///     a YAML key with a block indicator (`password: |`, `>-`) or with nothing after its colon
///     loses the more indented lines that follow (for a nested mapping or list, the value of each
///     line). An unquoted value ends at white space, a quote or one of `) } ] < >` (a value may
///     start with one: `)!~jfYGE1G`), and at `,` `;` `&` only when white space, the line's end or
///     another `key=` follows (`password=abc,def&ghi` is one value, `?token=v&next=1` is not);
///     a key that starts its line (INI, YAML, env files) and `Authorization` take the rest of
///     the line. An Azure `SharedAccessSignature=` runs to the next `;`.
///   - *Left alone:* empty values, `[REDACTED]` and pseudonyms, `true`/`false`/`null`/`none`/
///     `yes`/`no`/`on`/`off`, masks (`****`, `ab12****`, values mostly `x` such as
///     `AKIAXXXXXXXXXXXXXXXX`), placeholders (`${VAR}`, `$(cmd)`, `$VAR`, `%VAR%`, `@VAR@`,
///     `{{ .Values.x }}`, `{% x %}`, `<token>`, `<your-password>`, `changeme`, `changeit`,
///     `your_…`, `…_here`) and, for unquoted values, code references (`var.db_password`,
///     `local.x`, `process.env.API_TOKEN`, `settings.SECRET_KEY`, `X25519.secret_length`,
///     `os.getenv("X")`, `getPassword()`, `ENV['X']`); the key words without an assignment
///     (`password reset requested`).
///   - *Headers and command lines.* `Cookie:` (every value) and `Set-Cookie:` (the cookie's
///     value; names and attributes kept); `Bearer <token>` (8+ characters, not all lower-case
///     letters); `Basic <token>` when the token decodes to text with a `:`; `curl -u user:pass` (and `--user`, `-U`, `--proxy-user`: the password),
///     `mysql -pPASS` (also `mysqldump`, `mysqladmin`, `mariadb`), `sshpass -p PASS`,
///     `redis-cli -a PASS`, `.netrc` `machine … password P`.
///   - *Formats.* JWTs (`eyJ…`.`…`.`…`), AWS key ids (`AKIA`/`ASIA` + 16 `[A-Z0-9]`), crypt
///     hashes at a word start (`$1$`, `$5$`, `$6$`, `$7$`, `$y$`, `$gy$`, `$2a$`/`$2b$`/`$2y$`,
///     `$apr1$`, `$argon2id$`, `$pbkdf2-sha256$`, `$scrypt$`… with two more `$` fields), the
///     pseudonym key line `casefile-key-v1:<hex>` (the hex), the password of URL user info
///     `scheme://user:pass@host` (the user becomes a username pseudonym). Self-identifying
///     tokens of the public gitleaks formats (`ghp_…`, `xoxb-…`, `AIza…`, `sk_live_…`, AWS
///     key ids `AKIA…`, about 200 more) wherever they stand, and vendor keys next to the
///     vendor's name (`DATADOG_API_KEY=…`), placeholders such as `AKIAXXXXXXXXXXXXXXXX` kept:
///     see `tokens.rs`.
///   - *Private keys.* Every line of a `-----BEGIN … PRIVATE KEY-----` or `… PRIVATE KEY
///     BLOCK-----` block (PEM, OpenSSH, encrypted PKCS#8, PGP; the marker lines are kept) and
///     the lines after PuTTY's `Private-Lines: N` (and `Private-MAC:`). A block ends at its END
///     marker or at the first line that is not key material (base64, armour headers such as
///     `Proc-Type:` or `Version:`, blank lines; a line ending in 40+ base64 bytes loses that
///     run), so a stray BEGIN marker in a message or a key cut short blanks only itself.
///   - *Everywhere.* A secret value found once in the run ([`Names::secrets`], learned from all
///     text before redaction) is removed wherever else it occurs as a whole token, whatever its
///     context; see [`KnownSecrets`] for the values too common to be searched for.
/// - **E-mail** `local@domain.tld` → `email-<8 hex>@redacted.invalid` (hash of the lower-cased
///   address).
/// - **IPv4**: four decimal octets 0-255 without leading zeros, not preceded by a letter, digit,
///   `.`, `-`, `_` or `~` and not followed by a letter, digit, `_`, `.digit`, `+`, `~` or
///   `-digit` (except the two ends of a range `10.0.0.1-10.0.0.9`, and the address inside a
///   block-pool id `BP-1234-10.1.2.3-1419…`, which keeps the id's shape); an optional `/0`-`/32`
///   is kept as written. So `120.0.6099.109`, `1.2.3.4.5`, `v1.2.3.4`, `agent-1.2.3.4`, Debian
///   versions `1.3.239.0-1` and `8:6.9.11.60+dfsg`, `pkg~~6.1.1.1` and the tail of
///   `abc-10.159.14.1` are not addresses (such a host name is replaced when learned), while
///   `addr:10.0.0.1` and `10.0.0.1:8080` are. Versions are not addresses: a quad after the word
///   `version`, `ver`, `v`, `build`, `release`, `firmware`, `fw`, `package`, `rev` or
///   `revision` (with `:`, `=` or spaces between) stays.
///   Untouched: 0/8, 127/8, 255.255.255.255, netmasks (255.x with contiguous ones) and
///   240.0.0.0/4 (where pseudonyms live). Pseudonym: an address in 240.0.0.0/4 from the hash.
/// - **IPv6**: a run of hex digits and colons (plus a dotted IPv4 tail) that `Ipv6Addr` parses,
///   not touching a letter, digit, `_` or `.` on the left (except an interface name glued with
///   a colon, `en0:2607:f8b0::1`), nor a letter, digit or `_` on the right; with at least three
///   groups or one group of three or more digits (so `a::b` and `std::vector` are not
///   addresses), and not eight two-digit groups (a byte string). A `%zone` and `/prefix` are
///   kept. Untouched: `::`, `::1`, 2001:db8::/32 (where pseudonyms live). Pseudonym:
///   `2001:db8:` plus six hash hextets, compressed.
/// - **MAC** `aa:bb:cc:dd:ee:ff` or with `-`, not inside a longer colon- or dash-hex run →
///   `02:` + five hash bytes, in the original separator and letter case. Untouched: all zeros,
///   broadcast.
/// - **Names in their places** (see `names.rs`: `user=X`, `for user X`, `invalid user X`,
///   `/home/X`, `C:\Users\X`, `DOMAIN\X`, syslog host fields, `rhost=`, URL hosts, Windows
///   event fields…): whatever stands there is replaced, learned or not, common word or not,
///   except placeholders and built-in accounts (`root`, `nobody`, `SYSTEM`, `-`).
/// - **Learned names and keywords** from [`Names`], as whole tokens (not touching a letter,
///   digit, `_`, `-` or a non-ASCII byte), longest first: host, domain and Windows names ASCII
///   case-insensitively, Unix user names case-sensitively. A name without a dot is not replaced
///   inside a dotted path (`nova.api.openstack`), except as the first label of a dotted host
///   name ending in a top-level domain, where the whole name is replaced. A learned name that is
///   a common word or a component word (`api`, `www`, `boot`, `oracle`) is replaced only in its
///   places. Pseudonyms: `host-`, `user-`, `word-` + 8 hex of the name (lower-cased except Unix
///   user names).
/// - **Domain names**: a dotted name ending in a top-level domain or a private suffix is
///   replaced whole when it ends in a learned domain of the customer ([`Names::domains`]), ends
///   in a private suffix (`.internal .local .lan .corp .home.arpa .intranet .private`), or
///   encodes an address (`220-135-151-1.hinet-ip.hinet.net`, `ip-10-0-0-1.ec2.internal`);
///   names under [`super::names::PUBLIC_DOMAINS`] and [`Names::public_domains`] stay readable
///   unless they hold a private label or an address. A domain becomes
///   `domain-<8 hex>.example`; a host name in a domain becomes
///   `host-<8 hex of its first label>.domain-<8 hex of the rest>.example`, so the vendor still
///   sees which hosts share a domain and that `web01` and `web01.corp.lan` are one machine.
/// - **Numbered host families**: a learned short host name ending in a number (`cn204`,
///   `node-190`, `calvisitor-10-105-162-105`) makes every whole word of the same prefix and
///   digits a host name (`cn5` in a list of nodes), unless the prefix alone is a common word.
///
/// Pseudonyms never collide: the first sight of each distinct value checks a registry shared by
/// all threads (seeded with [`Redactor::reserve`] from the existing mapping), and a pseudonym
/// already standing for another value is replaced by the next candidate, the hash of the value
/// with a counter.
///
/// Where detections overlap, a secret wins over an identifier pattern, which wins over a name.
///
/// **Kept originals** ([`Redactor::with_kept`]): identifiers the user chose to let the vendor
/// see (a draft's `[redaction] keep`) stay as they are wherever a pseudonym would be issued for
/// them (names, e-mail, addresses compared case-insensitively, IP addresses in canonical form);
/// secrets are removed whatever is kept.
pub struct Redactor {
    keyed: Keyed,
    /// Lower-cased originals (IP addresses canonical) left as they are.
    kept: HashSet<Vec<u8>>,
    names: Vec<NameEntry>,
    /// Bit `(b0 << 8) | b1` is set when a name starts with the lower-cased bytes `b0 b1`.
    first_pairs: Vec<u64>,
    /// Bit `n` is set when some name's first word (run of word bytes) is `n` bytes long.
    first_lengths: u64,
    /// Names by their lower-cased first word, longest first.
    buckets: HashMap<Vec<u8>, Vec<usize>>,
    /// The customer's domains, lower case.
    domains: HashSet<Vec<u8>>,
    /// The vendor's domains that stay readable, lower case.
    public_domains: BTreeSet<String>,
    /// Every pseudonym issued so far, with its category and original: no two originals share
    /// one. Touched only on the first sight of a distinct value in a call.
    registry: Mutex<HashMap<String, (Category, String)>>,
    /// Numbered host name families (`cn`, `node-`), lower case: the learned short host names
    /// `cn204` and `node-190` make `cn5` and `node-32` host names too.
    families: HashSet<Vec<u8>>,
    /// The secret values found anywhere in the run, searched for everywhere.
    known: Option<KnownSearch>,
}

struct NameEntry {
    category: Category,
    original: String,
    /// The name as matched: lower case, or as written when `exact`.
    lower: Vec<u8>,
    /// Matched case-sensitively (Unix user names).
    exact: bool,
    pseudonym: String,
}

/// Secret key words; see [`Stem`] and [`find_stem`]. A word with a separator (`api key`) is found
/// as its components; the test `every_secret_key_word_is_found_as_a_key` checks that each is
/// reachable.
const STEMS: &[(&str, Stem)] = &[
    ("pass", Stem::Pass),
    ("pwd", Stem::Pwd),
    ("secret", Stem::Plain),
    ("token", Stem::Plain),
    ("apikey", Stem::Plain),
    ("api_key", Stem::Plain),
    ("api-key", Stem::Plain),
    ("api key", Stem::Plain),
    ("accesskey", Stem::Plain),
    ("access_key", Stem::Plain),
    ("access-key", Stem::Plain),
    ("access key", Stem::Plain),
    ("privatekey", Stem::Plain),
    ("private_key", Stem::Plain),
    ("private-key", Stem::Plain),
    ("private key", Stem::Plain),
    ("authkey", Stem::Plain),
    ("auth_key", Stem::Plain),
    ("auth-key", Stem::Plain),
    ("auth key", Stem::Plain),
    // JumpCloud's agent connect key (`connectKey`, `-JumpCloudConnectKey`, `CONNECT_KEY`).
    ("connectkey", Stem::Plain),
    ("connect_key", Stem::Plain),
    ("connect-key", Stem::Plain),
    ("connect key", Stem::Plain),
    ("credential", Stem::Plain),
    ("authorization", Stem::Authorization),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stem {
    Pass,
    Pwd,
    Plain,
    Authorization,
    /// A key ending in `signature` (`X-Amz-Signature`): only a value that looks random.
    Signature,
    /// The key `auth` (Docker's `config.json`): only a value that looks random.
    Auth,
    /// The generic keys `sig`, `code`, `key`, `sas`, `hmac`, `signed`: only as a URL query
    /// parameter (after `?` or `&`) with a value that looks random.
    Query,
    /// `Cookie` and `Set-Cookie` headers: every cookie value, names kept.
    Cookie,
}

impl Stem {
    /// The secret kind a value assigned to a key with this word is reported as.
    fn kind_name(self) -> &'static str {
        match self {
            Stem::Pass | Stem::Pwd => "password",
            Stem::Plain => "secret-value",
            Stem::Authorization => "authorization",
            Stem::Signature | Stem::Query => "url-signature",
            Stem::Auth => "basic-auth",
            Stem::Cookie => "cookie",
        }
    }

    /// Whether only a random-looking value of at least this many bytes is a secret.
    fn needs_random(self) -> Option<usize> {
        match self {
            Stem::Signature | Stem::Query => Some(16),
            Stem::Auth => Some(8),
            _ => None,
        }
    }
}

/// A proposed replacement of `input[start..end]`.
struct Edit {
    start: usize,
    end: usize,
    /// Secret 3, identifier pattern 2, known name 1: the higher wins an overlap.
    prio: u8,
    kind: Kind,
}

enum Kind {
    /// A removed secret, with the kind of secret it is (`password`, `jwt`, `aws-access-key-id`…),
    /// counted in [`Found::secret_kinds`] for the disclosure review; never its value.
    Secret(&'static str),
    /// A line inside a private-key block; `first` counts the block.
    KeyLine {
        first: bool,
    },
    Email,
    Ipv4(u32),
    Ipv6(u128),
    Mac([u8; 6]),
    /// The user of URL user info.
    User,
    /// A learned name or keyword, by index.
    Name(usize),
    /// Whatever stands in a name's place.
    Placed(Role),
    /// A dotted name of the customer (a domain, or a host name in one).
    Dotted,
}

/// Per-call caches: one HMAC and one mapping entry per distinct value, not per occurrence.
#[derive(Default)]
struct Cache {
    ipv4: HashMap<u32, String>,
    ipv6: HashMap<u128, String>,
    mac: HashMap<([u8; 6], u8, bool), String>,
    email: HashMap<Vec<u8>, String>,
    user: HashMap<Vec<u8>, String>,
    /// Placed and dotted names by role tag + normalised value.
    placed: HashMap<Vec<u8>, (Category, String)>,
    names_seen: Vec<bool>,
    lower: Vec<u8>,
}

impl Redactor {
    /// A redactor for `names` under `key`. Names shorter than 2 bytes are ignored; learned host
    /// and user names that are common words ([`super::names::is_common_word`]) are replaced only
    /// in their places.
    pub fn new(key: &PseudonymKey, names: &Names) -> Redactor {
        Redactor::with_kept(key, names, &BTreeSet::new())
    }

    /// A redactor for `names` under `key` that leaves every identifier in `kept` as it is (see
    /// the type's documentation).
    pub fn with_kept(key: &PseudonymKey, names: &Names, kept: &BTreeSet<String>) -> Redactor {
        let keyed = key.keyed();
        let mut redactor = Redactor {
            keyed,
            kept: kept.iter().map(|k| kept_form(k.trim())).collect(),
            names: Vec::new(),
            first_pairs: vec![0u64; 1024],
            first_lengths: 0,
            buckets: HashMap::new(),
            domains: names
                .domains
                .iter()
                .map(|d| d.trim().to_ascii_lowercase().into_bytes())
                .collect(),
            public_domains: names
                .public_domains
                .iter()
                .map(|d| d.trim().trim_start_matches('.').to_ascii_lowercase())
                .collect(),
            registry: Mutex::new(HashMap::new()),
            known: KnownSearch::new(&names.secrets),
            families: names
                .hostnames
                .iter()
                .filter_map(|name| host_family(name.as_bytes()))
                .collect(),
        };
        let mut seen = HashSet::new();
        let mut entries = Vec::new();
        let sets = [
            (Category::Hostname, &names.hostnames, false, false),
            (Category::Username, &names.usernames, false, false),
            (Category::Username, &names.unix_usernames, true, false),
            (Category::Keyword, &names.keywords, false, true),
        ];
        for (category, set, exact, keyword) in sets {
            for name in set {
                let name = name.trim();
                let lower = name.to_ascii_lowercase().into_bytes();
                if lower.len() < 2 || !is_word_byte(lower.first().copied().unwrap_or(0)) {
                    continue;
                }
                if !keyword
                    && (is_common_word(&String::from_utf8_lossy(&lower))
                        || (lower.contains(&b'.')
                            && is_public_name(&lower, &redactor.public_domains)))
                {
                    continue;
                }
                let matched = if exact {
                    name.as_bytes().to_vec()
                } else {
                    lower
                };
                if !seen.insert((exact, matched.clone())) {
                    continue;
                }
                let pseudonym = if keyword {
                    redactor.issue(Category::Keyword, &matched, |n| {
                        name_pseudonym(&redactor.keyed, Category::Keyword, &matched, n)
                    })
                } else {
                    redactor.name_pseudonym_for(category, &matched).1
                };
                entries.push(NameEntry {
                    category,
                    original: name.to_owned(),
                    lower: matched,
                    exact,
                    pseudonym,
                });
            }
        }
        for (index, entry) in entries.iter().enumerate() {
            let pair = pair_key(&entry.lower, 0);
            if let Some(word) = redactor.first_pairs.get_mut(usize::from(pair >> 6)) {
                *word |= 1 << (pair & 63);
            }
            let first_word = word_len(&entry.lower, 0);
            redactor.first_lengths |= 1 << first_word.min(63);
            let key = entry
                .lower
                .get(..first_word)
                .unwrap_or_default()
                .to_ascii_lowercase();
            redactor.buckets.entry(key).or_default().push(index);
        }
        for bucket in redactor.buckets.values_mut() {
            bucket.sort_by_key(|&i| std::cmp::Reverse(entries.get(i).map_or(0, |e| e.lower.len())));
        }
        redactor.names = entries;
        redactor
    }

    /// Seeds the collision registry with the pseudonyms of an existing mapping, so that a new
    /// value never takes a pseudonym that already stands for another one.
    pub fn reserve(&self, mapping: &super::Mapping) {
        let Ok(serde_json::Value::Object(top)) = serde_json::to_value(mapping) else {
            return;
        };
        let Some(serde_json::Value::Object(entries)) = top.get("entries") else {
            return;
        };
        let Ok(mut registry) = self.registry.lock() else {
            return;
        };
        for (pseudonym, entry) in entries {
            let (Ok(category), Some(original)) = (
                serde_json::from_value::<Category>(
                    entry.get("category").cloned().unwrap_or_default(),
                ),
                entry.get("original").and_then(|o| o.as_str()),
            ) else {
                continue;
            };
            registry
                .entry(pseudonym.clone())
                .or_insert_with(|| (category, registry_original(category, original.as_bytes())));
        }
    }

    /// The pseudonym for `value` of `category`: `make(0)`, or, when that already stands for
    /// another value, the first free `make(n)`.
    fn issue(&self, category: Category, value: &[u8], make: impl Fn(u32) -> String) -> String {
        let original = registry_original(category, value);
        let Ok(mut registry) = self.registry.lock() else {
            return make(0);
        };
        for n in 0..64 {
            let candidate = make(n);
            match registry.get(&candidate) {
                None => {
                    registry.insert(candidate.clone(), (category, original));
                    return candidate;
                }
                Some((c, o)) if *c == category && *o == original => return candidate,
                Some(_) => {}
            }
        }
        make(64)
    }

    /// The pseudonym of a host name (short or qualified), a domain, or a user name, with the
    /// category to count it under; qualified host names become
    /// `host-<first label>.domain-<rest>.example`.
    fn name_pseudonym_for(&self, category: Category, name: &[u8]) -> (Category, String) {
        if category == Category::Username || category == Category::Keyword {
            let pseudonym = self.issue(category, name, |n| {
                name_pseudonym(&self.keyed, category, name, n)
            });
            return (category, pseudonym);
        }
        let lower = name.to_ascii_lowercase();
        if category == Category::Domain || self.domains.contains(&lower) {
            return (Category::Domain, self.domain_pseudonym(&lower));
        }
        match memchr::memchr(b'.', &lower) {
            Some(dot) => {
                let (first, rest) = (
                    lower.get(..dot).unwrap_or_default(),
                    lower.get(dot + 1..).unwrap_or_default(),
                );
                let host = self.issue(Category::Hostname, first, |n| {
                    name_pseudonym(&self.keyed, Category::Hostname, first, n)
                });
                let domain = self.domain_pseudonym(rest);
                (Category::Hostname, format!("{host}.{domain}"))
            }
            None => (
                Category::Hostname,
                self.issue(Category::Hostname, &lower, |n| {
                    name_pseudonym(&self.keyed, Category::Hostname, &lower, n)
                }),
            ),
        }
    }

    /// `domain-<8 hex>.example` for a lower-cased domain.
    fn domain_pseudonym(&self, lower: &[u8]) -> String {
        self.issue(Category::Domain, lower, |n| {
            format!(
                "{}.example",
                name_pseudonym(&self.keyed, Category::Domain, lower, n)
            )
        })
    }

    /// Redacts `input` (whole lines; the last may lack `\n`) and appends the result to `out`.
    /// `in_private_key` says whether `input` starts inside a private-key block (see
    /// [`super::private_key_state_after`]).
    pub fn redact(&self, input: &[u8], in_private_key: bool, out: &mut Vec<u8>, found: &mut Found) {
        let mut edits = Vec::new();
        walk_private_keys(input, in_private_key, |start, end, first| {
            edits.push(Edit {
                start,
                end,
                prio: 3,
                kind: Kind::KeyLine { first },
            });
        });
        self.name_edits(input, &mut edits);
        self.place_edits(input, &mut edits);
        punctuation_edits(input, &mut edits);
        secret_edits(input, &mut edits);
        if let Some(known) = &self.known {
            known.edits(input, &mut edits);
        }
        self.apply(input, edits, out, found);
    }

    /// Redacts a path, entry name or command line.
    pub fn redact_text(&self, text: &str, found: &mut Found) -> String {
        let mut out = Vec::with_capacity(text.len());
        self.redact(text.as_bytes(), false, &mut out, found);
        match String::from_utf8(out) {
            Ok(text) => text,
            Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
        }
    }

    fn apply(&self, input: &[u8], mut edits: Vec<Edit>, out: &mut Vec<u8>, found: &mut Found) {
        out.reserve(input.len());
        if edits.is_empty() {
            out.extend_from_slice(input);
            return;
        }
        edits.sort_unstable_by_key(|e| {
            (e.start, std::cmp::Reverse(e.prio), std::cmp::Reverse(e.end))
        });
        let mut accepted: Vec<Edit> = Vec::with_capacity(edits.len());
        for edit in edits {
            if edit.end <= edit.start {
                continue;
            }
            let mut keep = true;
            while let Some(last) = accepted.last() {
                if edit.start >= last.end {
                    break;
                }
                if edit.prio > last.prio {
                    accepted.pop();
                } else {
                    keep = false;
                    break;
                }
            }
            if keep {
                accepted.push(edit);
            }
        }
        let mut cache = Cache::default();
        let mut copied = 0;
        for edit in accepted {
            let (Some(gap), Some(original)) = (
                input.get(copied..edit.start),
                input.get(edit.start..edit.end),
            ) else {
                continue;
            };
            out.extend_from_slice(gap);
            copied = edit.end;
            let described = found.spans.is_some().then(|| self.describe(&edit.kind));
            let at = out.len();
            self.replace(edit.kind, original, &mut cache, out, found);
            if let (Some((category, kind)), Some(spans)) = (described, found.spans.as_mut()) {
                spans.push(super::Span {
                    start: at,
                    end: out.len(),
                    category,
                    kind,
                    kept: out.get(at..) == Some(original),
                });
            }
        }
        out.extend_from_slice(input.get(copied..).unwrap_or_default());
    }

    fn replace(
        &self,
        kind: Kind,
        original: &[u8],
        cache: &mut Cache,
        out: &mut Vec<u8>,
        found: &mut Found,
    ) {
        let text = || String::from_utf8_lossy(original).into_owned();
        if !self.kept.is_empty() && self.is_kept(&kind, original) {
            out.extend_from_slice(original);
            return;
        }
        let category = match kind {
            Kind::Secret(_) | Kind::KeyLine { .. } => {
                out.extend_from_slice(REDACTED);
                let counted = match kind {
                    Kind::Secret(secret_kind) => Some(secret_kind),
                    Kind::KeyLine { first: true } => Some("private-key"),
                    _ => None,
                };
                if let Some(secret_kind) = counted {
                    found.counts.add(Category::Secret, 1);
                    *found.secret_kinds.entry(secret_kind).or_default() += 1;
                }
                if original.len() >= 4 && !found.secrets.contains(original) {
                    found.secrets.insert(original.to_vec());
                }
                return;
            }
            Kind::Email | Kind::User => {
                let (category, map) = if matches!(kind, Kind::Email) {
                    (Category::Email, &mut cache.email)
                } else {
                    (Category::Username, &mut cache.user)
                };
                cache.lower.clear();
                cache
                    .lower
                    .extend(original.iter().map(u8::to_ascii_lowercase));
                if let Some(pseudonym) = map.get(cache.lower.as_slice()) {
                    out.extend_from_slice(pseudonym.as_bytes());
                } else {
                    let lower = cache.lower.as_slice();
                    let pseudonym = if category == Category::Email {
                        self.issue(Category::Email, lower, |n| {
                            let digest = self.keyed.digest(b"email", &counted(lower, n));
                            format!("email-{}@redacted.invalid", hex8(&digest))
                        })
                    } else {
                        self.issue(Category::Username, lower, |n| {
                            name_pseudonym(&self.keyed, Category::Username, lower, n)
                        })
                    };
                    out.extend_from_slice(pseudonym.as_bytes());
                    found.mapping.insert(pseudonym.clone(), category, text());
                    map.insert(cache.lower.clone(), pseudonym);
                }
                category
            }
            Kind::Ipv4(address) => {
                let pseudonym = cache.ipv4.entry(address).or_insert_with(|| {
                    let canonical = std::net::Ipv4Addr::from(address).to_string();
                    let pseudonym = self.issue(Category::Ipv4, canonical.as_bytes(), |n| {
                        let digest = self
                            .keyed
                            .digest(b"ipv4", &counted(canonical.as_bytes(), n));
                        let [a, b, c, d, ..] = digest;
                        let mut octets = [0xf0 | (a & 0x0f), b, c, d];
                        if octets == [255, 255, 255, 255] {
                            octets[3] = 254;
                        }
                        std::net::Ipv4Addr::from(octets).to_string()
                    });
                    found
                        .mapping
                        .insert(pseudonym.clone(), Category::Ipv4, canonical);
                    pseudonym
                });
                out.extend_from_slice(pseudonym.as_bytes());
                Category::Ipv4
            }
            Kind::Ipv6(address) => {
                let pseudonym = cache.ipv6.entry(address).or_insert_with(|| {
                    let canonical = Ipv6Addr::from(address).to_string();
                    let pseudonym = self.issue(Category::Ipv6, canonical.as_bytes(), |n| {
                        let digest = self
                            .keyed
                            .digest(b"ipv6", &counted(canonical.as_bytes(), n));
                        let mut hextets = [0x2001u16, 0x0db8, 0, 0, 0, 0, 0, 0];
                        for (slot, pair) in hextets.iter_mut().skip(2).zip(digest.chunks(2)) {
                            *slot = pair.iter().fold(0u16, |v, b| v << 8 | u16::from(*b));
                        }
                        Ipv6Addr::from(hextets).to_string()
                    });
                    found
                        .mapping
                        .insert(pseudonym.clone(), Category::Ipv6, canonical);
                    pseudonym
                });
                out.extend_from_slice(pseudonym.as_bytes());
                Category::Ipv6
            }
            Kind::Mac(bytes) => {
                let separator = original.get(2).copied().unwrap_or(b':');
                let upper = original.iter().any(u8::is_ascii_uppercase);
                let pseudonym = cache
                    .mac
                    .entry((bytes, separator, upper))
                    .or_insert_with(|| {
                        let canonical = mac_string(&bytes, b':', false);
                        let issued = self.issue(Category::Mac, canonical.as_bytes(), |n| {
                            let digest =
                                self.keyed.digest(b"mac", &counted(canonical.as_bytes(), n));
                            let [a, b, c, d, e, ..] = digest;
                            mac_string(&[0x02, a, b, c, d, e], b':', false)
                        });
                        let pseudonym = if separator == b':' && !upper {
                            issued
                        } else {
                            let shown = issued.replace(':', &char::from(separator).to_string());
                            if upper {
                                shown.to_ascii_uppercase()
                            } else {
                                shown
                            }
                        };
                        found
                            .mapping
                            .insert(pseudonym.clone(), Category::Mac, canonical);
                        pseudonym
                    });
                out.extend_from_slice(pseudonym.as_bytes());
                Category::Mac
            }
            Kind::Name(index) => {
                let Some(entry) = self.names.get(index) else {
                    out.extend_from_slice(original);
                    return;
                };
                if entry.lower.len() == original.len() {
                    out.extend_from_slice(entry.pseudonym.as_bytes());
                    if cache.names_seen.len() <= index {
                        cache.names_seen.resize(index + 1, false);
                    }
                    if let Some(seen) = cache.names_seen.get_mut(index)
                        && !*seen
                    {
                        *seen = true;
                        found.mapping.insert(
                            entry.pseudonym.clone(),
                            entry.category,
                            entry.original.clone(),
                        );
                    }
                    entry.category
                } else {
                    // The first label of a longer dotted host name: the whole name goes.
                    self.replace_placed(Role::Host, original, cache, out, found)
                }
            }
            Kind::Placed(role) => self.replace_placed(role, original, cache, out, found),
            Kind::Dotted => self.replace_placed(Role::Host, original, cache, out, found),
        };
        found.counts.add(category, 1);
    }

    /// Whether the identifier `original` (detected as `kind`) is one the user keeps.
    fn is_kept(&self, kind: &Kind, original: &[u8]) -> bool {
        let form = match kind {
            Kind::Secret(_) | Kind::KeyLine { .. } => return false,
            Kind::Ipv4(address) => std::net::Ipv4Addr::from(*address).to_string().into_bytes(),
            Kind::Ipv6(address) => Ipv6Addr::from(*address).to_string().into_bytes(),
            Kind::Mac(bytes) => mac_string(bytes, b':', false).into_bytes(),
            Kind::Name(index) => match self.names.get(*index) {
                Some(entry) => entry.lower.to_ascii_lowercase(),
                None => return false,
            },
            Kind::Email | Kind::User | Kind::Placed(_) | Kind::Dotted => {
                original.to_ascii_lowercase()
            }
        };
        self.kept.contains(&form)
    }

    /// The category and secret kind of an edit, for [`super::Span`]s.
    fn describe(&self, kind: &Kind) -> (Category, Option<&'static str>) {
        match kind {
            Kind::Secret(secret_kind) => (Category::Secret, Some(secret_kind)),
            Kind::KeyLine { .. } => (Category::Secret, Some("private-key")),
            Kind::Email => (Category::Email, None),
            Kind::Ipv4(_) => (Category::Ipv4, None),
            Kind::Ipv6(_) => (Category::Ipv6, None),
            Kind::Mac(_) => (Category::Mac, None),
            Kind::User | Kind::Placed(Role::User | Role::WindowsUser) => (Category::Username, None),
            Kind::Placed(_) | Kind::Dotted => (Category::Hostname, None),
            Kind::Name(index) => (
                self.names
                    .get(*index)
                    .map_or(Category::Keyword, |entry| entry.category),
                None,
            ),
        }
    }

    /// Writes the pseudonym of a name standing in a place (or a dotted name) and records it.
    fn replace_placed(
        &self,
        role: Role,
        original: &[u8],
        cache: &mut Cache,
        out: &mut Vec<u8>,
        found: &mut Found,
    ) -> Category {
        let (tag, exact, category) = match role {
            Role::User => (0u8, true, Category::Username),
            Role::WindowsUser => (1, false, Category::Username),
            Role::Host | Role::Peer | Role::Dotted => (2, false, Category::Hostname),
        };
        cache.lower.clear();
        cache.lower.push(tag);
        if exact {
            cache.lower.extend_from_slice(original);
        } else {
            cache
                .lower
                .extend(original.iter().map(u8::to_ascii_lowercase));
        }
        if let Some((category, pseudonym)) = cache.placed.get(cache.lower.as_slice()) {
            out.extend_from_slice(pseudonym.as_bytes());
            return *category;
        }
        let key = cache.lower.clone();
        let (category, pseudonym) =
            self.name_pseudonym_for(category, key.get(1..).unwrap_or_default());
        out.extend_from_slice(pseudonym.as_bytes());
        let shown = String::from_utf8_lossy(original).into_owned();
        // The domain gets its own entry when it is one (`corp.example`), not a bare suffix
        // (`lan`), which would make the leak scan look for the word everywhere.
        if let Some((host, domain)) = pseudonym.split_once('.')
            && host.starts_with("host-")
            && let Some(dot) = memchr::memchr(b'.', original)
            && original
                .get(dot + 1..)
                .is_some_and(|rest| rest.contains(&b'.'))
        {
            found.mapping.insert(
                domain.to_owned(),
                Category::Domain,
                String::from_utf8_lossy(original.get(dot + 1..).unwrap_or_default())
                    .to_ascii_lowercase(),
            );
        }
        found.mapping.insert(pseudonym.clone(), category, shown);
        cache.placed.insert(key, (category, pseudonym));
        category
    }

    /// Names standing in their places (see `names.rs`), whatever they are; and, in the same
    /// pass, dotted names of the customer: under a learned domain, with a private suffix, or
    /// encoding an address (public and vendor names stay).
    fn place_edits(&self, input: &[u8], edits: &mut Vec<Edit>) {
        let mut lower = Vec::new();
        spots_but_anchors(input, |start, end, role| {
            let Some(value) = input.get(start..end) else {
                return;
            };
            if role == Role::Dotted {
                if let Some(edit) = self.dotted_edit(value, &mut lower, start, end) {
                    edits.push(edit);
                }
                return;
            }
            if let Some(edit) = self.place_edit(value, start, end, role) {
                edits.push(edit);
            }
        });
    }

    /// The edit for `value` standing in a place at `start..end`, unless it is left alone.
    fn place_edit(&self, value: &[u8], start: usize, end: usize, role: Role) -> Option<Edit> {
        if !replaceable_in_place(value)
            || (value.contains(&b'.')
                && is_public_name(&value.to_ascii_lowercase(), &self.public_domains))
        {
            return None;
        }
        Some(Edit {
            start,
            end,
            prio: 1,
            kind: Kind::Placed(role),
        })
    }

    /// The edit for the dotted name `name` at `start..end`, if it is the customer's.
    fn dotted_edit(
        &self,
        name: &[u8],
        lower: &mut Vec<u8>,
        start: usize,
        end: usize,
    ) -> Option<Edit> {
        lower.clear();
        lower.extend(name.iter().map(u8::to_ascii_lowercase));
        let learned = !self.domains.is_empty()
            && (self.domains.contains(lower.as_slice())
                || lower.iter().enumerate().any(|(i, &b)| {
                    b == b'.' && lower.get(i + 1..).is_some_and(|d| self.domains.contains(d))
                }));
        let customer = learned || has_private_suffix(lower) || encodes_address(lower);
        (customer && !is_pseudonym(lower) && !is_public_name(lower, &self.public_domains))
            .then_some(Edit {
                start,
                end,
                prio: 2,
                kind: Kind::Dotted,
            })
    }

    /// Known names, at word starts: a bit table of first byte pairs rejects most words, then
    /// the names with that pair are compared, longest first. A name without a dot inside a
    /// dotted path is skipped, unless it is the first label of a dotted host name ending in a
    /// top-level domain: then the whole dotted name is the edit.
    fn name_edits(&self, input: &[u8], edits: &mut Vec<Edit>) {
        let mut lower = Vec::new();
        let mut from = 0;
        let mut placed = Vec::new();
        for start in WordStarts::new(input) {
            // Key words announcing a name's place, in the same word loop.
            anchor_spot(input, start, &mut |s, e, role| placed.push((s, e, role)));
            if start < from {
                continue;
            }
            if !self.families.is_empty()
                && let Some(end) = self.family_member(input, start)
            {
                placed.push((start, end, Role::Host));
                from = end;
                continue;
            }
            if self.names.is_empty() {
                continue;
            }
            let pair = pair_key(input, start);
            if self
                .first_pairs
                .get(usize::from(pair >> 6))
                .is_none_or(|word| word & (1 << (pair & 63)) == 0)
            {
                continue;
            }
            let word_end = start + word_len(input, start);
            if self.first_lengths & (1 << (word_end - start).min(63)) == 0 {
                continue;
            }
            lower.clear();
            lower.extend(
                input
                    .get(start..word_end)
                    .unwrap_or_default()
                    .iter()
                    .map(u8::to_ascii_lowercase),
            );
            let matched = self.buckets.get(&lower).and_then(|bucket| {
                bucket.iter().find_map(|&index| {
                    let entry = self.names.get(index)?;
                    let end = start + entry.lower.len();
                    let candidate = input.get(start..end)?;
                    let same = if entry.exact {
                        candidate == entry.lower.as_slice()
                    } else {
                        candidate.eq_ignore_ascii_case(&entry.lower)
                    };
                    (same && !is_word_byte(at(input, end))).then_some((index, end))
                })
            });
            let Some((index, mut end)) = matched else {
                continue;
            };
            if self
                .names
                .get(index)
                .is_some_and(|e| e.category != Category::Keyword)
            {
                // A learned name (never a common or component word: those are replaced only in
                // their places) goes wherever it stands as a whole token, in a file name
                // (`jsmith.log`) and a dotted path too; as the first label of a host name, the
                // whole host name goes.
                if at(input, end) == b'.'
                    && is_word_byte(at(input, end + 1))
                    && before(input, start) != b'.'
                    && let Some(whole) = dotted_host_end(input, start)
                {
                    end = whole;
                }
            }
            edits.push(Edit {
                start,
                end,
                prio: 1,
                kind: Kind::Name(index),
            });
            from = end;
        }
        for (start, end, role) in placed {
            if let Some(edit) = input
                .get(start..end)
                .and_then(|value| self.place_edit(value, start, end, role))
            {
                edits.push(edit);
            }
        }
    }
}

/// Whether the name at `start..end` (without a dot) sits inside a dotted path that is no host
/// name (`nova.api.openstack`, `org.apache.hadoop`): there the redactor leaves it.
pub(crate) fn inside_dotted_path(input: &[u8], start: usize, end: usize) -> bool {
    (before(input, start) == b'.' && is_word_byte(before(input, start.saturating_sub(1))))
        || (at(input, end) == b'.'
            && is_word_byte(at(input, end + 1))
            && dotted_host_end(input, start).is_none())
}

/// The family of a learned short host name: its letters (and separator) before a trailing
/// number, when they hold a letter, are 2 or more bytes long and are no common word on their own
/// (`cn204` gives `cn`, `node-190` gives `node-`; `web01` and `test2` give nothing).
fn host_family(name: &[u8]) -> Option<Vec<u8>> {
    if name.contains(&b'.') {
        return None;
    }
    let digits = name.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    let prefix = name.get(..name.len().checked_sub(digits)?)?;
    let dashed = prefix.last() == Some(&b'-');
    let stem = prefix.strip_suffix(b"-").unwrap_or(prefix);
    let ok = digits > 0
        && stem.len() >= 2
        && stem.iter().any(u8::is_ascii_alphabetic)
        && stem.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-')
        && (dashed || !is_common_word(&String::from_utf8_lossy(stem).to_ascii_lowercase()));
    ok.then(|| prefix.to_ascii_lowercase())
}

impl Redactor {
    /// Where the word at `start` ends when it is a member of a learned host family (the family's
    /// prefix, then digits only), not inside a dotted path.
    fn family_member(&self, input: &[u8], start: usize) -> Option<usize> {
        let end = start + word_len(input, start);
        if !before(input, end).is_ascii_digit() {
            return None;
        }
        let word = input.get(start..end)?;
        let digits = word.iter().rev().take_while(|b| b.is_ascii_digit()).count();
        let prefix = word.get(..word.len() - digits)?;
        if prefix.len() < 2 || prefix.len() > 64 {
            return None;
        }
        let lower = prefix.to_ascii_lowercase();
        if !self.families.contains(&lower) || inside_dotted_path(input, start, end) {
            return None;
        }
        Some(end)
    }
}

/// How far [`dotted_host_end`] looks: a DNS name is at most 253 bytes.
const MAX_DOTTED_RUN: usize = 512;

/// Where the dotted host name starting at `start` ends, when it ends in a top-level domain.
fn dotted_host_end(input: &[u8], start: usize) -> Option<usize> {
    // Only the run of name bytes at `start` (and the byte that ends it) can hold that name:
    // looking further would make every call read to the end of the chunk.
    let rest = input.get(start..)?;
    let run = rest
        .iter()
        .take(MAX_DOTTED_RUN)
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_')))
        .unwrap_or(rest.len().min(MAX_DOTTED_RUN));
    let mut found = None;
    dotted_names(rest.get(..(run + 1).min(rest.len()))?, |s, e| {
        if s == 0 && found.is_none() {
            found = Some(start + e);
        }
    });
    found
}

/// The original as the collision registry compares it.
fn registry_original(category: Category, value: &[u8]) -> String {
    match category {
        Category::Username | Category::Keyword => String::from_utf8_lossy(value).into_owned(),
        _ => String::from_utf8_lossy(value).to_ascii_lowercase(),
    }
}

/// `value`, or for a collision retry `n` > 0, `value` + NUL + `n`.
fn counted(value: &[u8], n: u32) -> Vec<u8> {
    let mut bytes = value.to_vec();
    if n > 0 {
        bytes.push(0);
        bytes.extend_from_slice(n.to_string().as_bytes());
    }
    bytes
}

/// The length of the run of word bytes at `i`.
pub(crate) fn word_len(bytes: &[u8], i: usize) -> usize {
    bytes
        .get(i..)
        .unwrap_or_default()
        .iter()
        .position(|&b| !is_word_byte(b))
        .unwrap_or(bytes.len().saturating_sub(i))
}

/// The lower-cased bytes at `i` and `i + 1` as one key.
fn pair_key(bytes: &[u8], i: usize) -> u16 {
    u16::from(at(bytes, i).to_ascii_lowercase()) << 8
        | u16::from(at(bytes, i + 1).to_ascii_lowercase())
}

/// How a kept original is compared: an IP or MAC address in canonical form, anything else
/// lower-cased.
fn kept_form(text: &str) -> Vec<u8> {
    if let Ok(address) = text.parse::<std::net::IpAddr>() {
        return address.to_string().into_bytes();
    }
    let hex: Vec<u8> = text
        .bytes()
        .filter(|b| b.is_ascii_hexdigit())
        .map(|b| b.to_ascii_lowercase())
        .collect();
    let separators = text.bytes().filter(|b| matches!(b, b':' | b'-')).count();
    if text.len() == 17 && hex.len() == 12 && separators == 5 {
        let mut bytes = [0u8; 6];
        for (slot, pair) in bytes.iter_mut().zip(hex.chunks(2)) {
            *slot = pair.iter().fold(0u8, |v, d| {
                v << 4 | char::from(*d).to_digit(16).map_or(0, |d| d as u8)
            });
        }
        return mac_string(&bytes, b':', false).into_bytes();
    }
    text.to_ascii_lowercase().into_bytes()
}

/// `host-`, `user-`, `domain-` or `word-` + 8 hex of HMAC of the name (lower-cased except Unix
/// user names); `n` > 0 for the next candidate after a collision.
fn name_pseudonym(keyed: &Keyed, category: Category, name: &[u8], n: u32) -> String {
    let prefix = match category {
        Category::Hostname => "host",
        Category::Username => "user",
        Category::Domain => "domain",
        _ => "word",
    };
    format!(
        "{prefix}-{}",
        hex8(&keyed.digest(category.as_str().as_bytes(), &counted(name, n)))
    )
}

/// Whether `value` is a pseudonym this redactor issues for names, domains or e-mail.
pub(crate) fn is_pseudonym(value: &[u8]) -> bool {
    let hex_then = |value: &[u8], prefix: &[u8]| -> Option<usize> {
        let rest = value.strip_prefix(prefix)?;
        rest.get(..8)
            .is_some_and(|h| h.iter().all(|b| b.is_ascii_hexdigit()))
            .then_some(prefix.len() + 8)
    };
    let exact = |prefix: &[u8], tail: &[u8]| {
        hex_then(value, prefix).is_some_and(|n| value.get(n..) == Some(tail))
    };
    if exact(b"host-", b"")
        || exact(b"user-", b"")
        || exact(b"word-", b"")
        || exact(b"email-", b"@redacted.invalid")
        || exact(b"domain-", b".example")
    {
        return true;
    }
    hex_then(value, b"host-").is_some_and(|n| {
        value
            .get(n..)
            .and_then(|rest| rest.strip_prefix(b"."))
            .is_some_and(|domain| {
                hex_then(domain, b"domain-").is_some_and(|m| domain.get(m..) == Some(b".example"))
            })
    })
}

fn mac_string(bytes: &[u8; 6], separator: u8, upper: bool) -> String {
    let digits: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut text = String::with_capacity(17);
    for (i, byte) in bytes.iter().enumerate() {
        if i > 0 {
            text.push(char::from(separator));
        }
        text.push(char::from(digits[usize::from(byte >> 4)]));
        text.push(char::from(digits[usize::from(byte & 15)]));
    }
    text
}

/// The byte at `i`, or 0 past the end.
fn at(input: &[u8], i: usize) -> u8 {
    input.get(i).copied().unwrap_or(0)
}

/// The byte before `i`, or 0 at the start.
fn before(input: &[u8], i: usize) -> u8 {
    i.checked_sub(1).map_or(0, |j| at(input, j))
}

/// A byte that continues a word for whole-word matching of names.
pub(crate) fn is_word_byte(b: u8) -> bool {
    WORD_BYTES[usize::from(b)]
}

/// [`is_word_byte`] as a table: letters, digits, `_`, `-` and every non-ASCII byte.
pub(crate) static WORD_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c >= 0x80;
        b += 1;
    }
    table
};

/// The start of every word (run of [`is_word_byte`] bytes) in a text, in order.
///
/// Classifies 64 bytes at a time into a bit mask without branches ([`super::classes`]), then
/// walks the set bits of `word & !(word << 1)`: work only per word, where a byte-at-a-time loop
/// mispredicts at every word boundary.
pub(crate) struct WordStarts<'a> {
    input: &'a [u8],
    /// Where the current block starts.
    base: usize,
    /// Word starts of the current block not yet returned, as bits.
    starts: u64,
    /// Whether the byte before the next block is a word byte.
    carry: bool,
}

impl<'a> WordStarts<'a> {
    /// The word starts of `input`.
    pub(crate) fn new(input: &'a [u8]) -> Self {
        WordStarts {
            input,
            base: 0,
            starts: 0,
            carry: false,
        }
        .loaded(0)
    }

    /// Classifies the block at `base`.
    fn loaded(mut self, base: usize) -> Self {
        self.load(base);
        self
    }

    fn load(&mut self, base: usize) {
        self.base = base;
        let block = self.input.get(base..).unwrap_or_default();
        let block = block.get(..64).unwrap_or(block);
        let masks = super::classes::Masks::of(block);
        let mask = masks.alnum() | masks.underscore | masks.dash | masks.high;
        self.starts = mask & !(mask << 1 | u64::from(self.carry));
        self.carry = block.len() == 64 && mask >> 63 == 1;
    }
}

impl Iterator for WordStarts<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        while self.starts == 0 {
            let next = self.base + 64;
            if next >= self.input.len() {
                return None;
            }
            self.load(next);
        }
        let j = self.starts.trailing_zeros() as usize;
        self.starts &= self.starts - 1;
        Some(self.base + j)
    }
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

fn line_start(input: &[u8], i: usize) -> usize {
    memchr::memrchr(b'\n', input.get(..i).unwrap_or_default()).map_or(0, |nl| nl + 1)
}

/// The end of the line holding `i`, before any `\r\n`.
fn line_end(input: &[u8], i: usize) -> usize {
    let end =
        memchr::memchr(b'\n', input.get(i..).unwrap_or_default()).map_or(input.len(), |nl| i + nl);
    if end > i && before(input, end) == b'\r' {
        end - 1
    } else {
        end
    }
}

/// A secret of kind `secret_kind` at `input[start..end]`.
fn secret(start: usize, end: usize, secret_kind: &'static str) -> Edit {
    Edit {
        start,
        end,
        prio: 3,
        kind: Kind::Secret(secret_kind),
    }
}

/// The secret key word in `key`, if any; see [`Redactor`] for the rules.
///
/// The key is split into components (at `_ - . / space`, at a lower- to upper-case step, before
/// the last capital of an upper-case run followed by lower case, and around digits). A component
/// is secret when it starts with a key word of [`STEMS`] (`password`, `tokens`, `secretKey`),
/// when it runs a known qualifier into one (`accesstoken`, `DBPASSWORD`, `clientsecret`,
/// `accountkey`), or when it is `key` after a qualifier (`Account_Key`, `master-key`) or before
/// `data` (`client-key-data`). A key whose last component describes the secret instead of
/// holding it (`token_ttl`, `password_file`, `SharedAccessKeyName`) is not secret.
fn find_stem(key: &[u8]) -> Option<Stem> {
    if key == b"PWD" || key == b"OLDPWD" || !may_hold_stem(key) {
        return None;
    }
    let mut parts = [(0usize, 0usize); 16];
    let count = components(key, &mut parts);
    let parts = parts.get(..count).unwrap_or_default();
    let part = |i: usize| -> &[u8] {
        parts
            .get(i)
            .and_then(|&(s, e)| key.get(s..e))
            .unwrap_or_default()
    };
    // The last component that is not a number.
    let last = (0..count)
        .rev()
        .find(|&i| !part(i).iter().all(u8::is_ascii_digit))?;
    let whole_is = |word: &[u8]| key.eq_ignore_ascii_case(word);
    let mut found = None;
    for i in 0..count {
        let c = part(i);
        let stem = stem_of_component(c)
            .or_else(|| {
                // Run together: a known prefix, then a key word (`accesstoken`, `accountkey`).
                (2..c.len()).find_map(|j| {
                    let (head, rest) = (c.get(..j)?, c.get(j..)?);
                    let listed = |list: &[&str]| {
                        list.iter().any(|w| head.eq_ignore_ascii_case(w.as_bytes()))
                    };
                    match stem_of_component(rest) {
                        Some(stem) if listed(COMPOUND_PREFIXES) => Some(stem),
                        _ => (is_key_word(rest) && listed(KEY_QUALIFIERS)).then_some(Stem::Plain),
                    }
                })
            })
            .or_else(|| {
                let qualified = i.checked_sub(1).is_some_and(|p| {
                    KEY_QUALIFIERS
                        .iter()
                        .any(|q| part(p).eq_ignore_ascii_case(q.as_bytes()))
                });
                let before_data = part(i + 1).eq_ignore_ascii_case(b"data");
                (is_key_word(c) && (qualified || before_data)).then_some(Stem::Plain)
            })
            .or_else(|| {
                (i == last && (c.eq_ignore_ascii_case(b"signature"))).then_some(Stem::Signature)
            });
        if let Some(stem) = stem {
            found = Some((i, stem));
            break;
        }
    }
    let Some((at, stem)) = found else {
        return if whole_is(b"auth") {
            Some(Stem::Auth)
        } else if [&b"sig"[..], b"code", b"key", b"sas", b"hmac", b"signed"]
            .iter()
            .any(|w| whole_is(w))
        {
            Some(Stem::Query)
        } else if whole_is(b"cookie") || whole_is(b"set-cookie") {
            Some(Stem::Cookie)
        } else {
            None
        };
    };
    let tail = part(last);
    if last > at
        && DESCRIPTIVE
            .iter()
            .any(|word| tail.eq_ignore_ascii_case(word.as_bytes()))
        && !(is_key_word(part(at)) && tail.eq_ignore_ascii_case(b"data"))
    {
        return None;
    }
    Some(stem)
}

/// Whether the last component of `key` describes a secret (`name`, `secretName`, `mountPath`,
/// `type`) rather than holds one.
fn is_descriptive(key: &[u8]) -> bool {
    let key = key
        .strip_prefix(b"\"")
        .and_then(|k| k.strip_suffix(b"\""))
        .unwrap_or(key);
    let mut parts = [(0usize, 0usize); 16];
    let count = components(key, &mut parts);
    parts
        .get(..count)
        .unwrap_or_default()
        .iter()
        .rev()
        .filter_map(|&(s, e)| key.get(s..e))
        .find(|c| !c.iter().all(u8::is_ascii_digit))
        .is_some_and(|c| {
            DESCRIPTIVE
                .iter()
                .any(|w| c.eq_ignore_ascii_case(w.as_bytes()))
        })
}

/// A cheap first look: whether `key` holds the first two letters of any key word (most keys of
/// a log, `level=`, `pid=`, `duration=`, hold none).
fn may_hold_stem(key: &[u8]) -> bool {
    key.windows(2).any(|pair| {
        matches!(
            (
                pair.first().map_or(0, u8::to_ascii_lowercase),
                pair.get(1).map_or(0, u8::to_ascii_lowercase)
            ),
            (b'p', b'a' | b'w')
                | (b's', b'e' | b'i' | b'a')
                | (b't', b'o')
                | (b'k', b'e')
                | (b'c', b'r' | b'o')
                | (b'a', b'u')
                | (b'h', b'm')
        )
    })
}

/// Splits `key` into components (see [`find_stem`]); returns how many were written to `parts`.
fn components(key: &[u8], parts: &mut [(usize, usize); 16]) -> usize {
    let mut count = 0;
    let mut start = None::<usize>;
    let mut push = |s: usize, e: usize, count: &mut usize| {
        if e > s
            && let Some(slot) = parts.get_mut(*count)
        {
            *slot = (s, e);
            *count += 1;
        }
    };
    for (j, &b) in key.iter().enumerate() {
        if !b.is_ascii_alphanumeric() {
            if let Some(s) = start.take() {
                push(s, j, &mut count);
            }
            continue;
        }
        let Some(s) = start else {
            start = Some(j);
            continue;
        };
        let p = at(key, j.wrapping_sub(1));
        let n = at(key, j + 1);
        let step = (p.is_ascii_lowercase() && b.is_ascii_uppercase())
            || (p.is_ascii_uppercase() && b.is_ascii_uppercase() && n.is_ascii_lowercase())
            || (p.is_ascii_digit() != b.is_ascii_digit());
        if step {
            push(s, j, &mut count);
            start = Some(j);
        }
    }
    if let Some(s) = start {
        push(s, key.len(), &mut count);
    }
    count
}

/// The stem a component starts with, with the suffix rules of `pass` and `pwd`.
fn stem_of_component(c: &[u8]) -> Option<Stem> {
    let first = c.first()?.to_ascii_lowercase();
    if !matches!(first, b'p' | b's' | b't' | b'a' | b'c') {
        return None;
    }
    STEMS.iter().find_map(|(stem, kind)| {
        let stem = stem.as_bytes();
        if stem.first() != Some(&first)
            || stem.contains(&b' ')
            || stem.contains(&b'_')
            || stem.contains(&b'-')
        {
            return None;
        }
        if !c.get(..stem.len())?.eq_ignore_ascii_case(stem) {
            return None;
        }
        let after = c.get(stem.len()..).unwrap_or_default();
        let ok = match kind {
            Stem::Pass => {
                after.is_empty()
                    || [&b"word"[..], b"wd", b"phrase", b"code"]
                        .iter()
                        .any(|suffix| {
                            after
                                .get(..suffix.len())
                                .is_some_and(|a| a.eq_ignore_ascii_case(suffix))
                        })
            }
            Stem::Pwd => after.is_empty() || after.eq_ignore_ascii_case(b"s"),
            _ => true,
        };
        ok.then_some(*kind)
    })
}

fn is_key_word(c: &[u8]) -> bool {
    c.eq_ignore_ascii_case(b"key") || c.eq_ignore_ascii_case(b"keys")
}

/// Words run together before a key word in one component: `accesstoken`, `DBPASSWORD`,
/// `clientsecret`, `accountkey`. (`libsecret`, `nopassword` stay plain words.)
const COMPOUND_PREFIXES: &[&str] = &[
    "access",
    "account",
    "admin",
    "api",
    "app",
    "auth",
    "bearer",
    "bind",
    "bot",
    "client",
    "consumer",
    "csrf",
    "db",
    "database",
    "default",
    "deploy",
    "encryption",
    "ftp",
    "git",
    "id",
    "keystore",
    "ldap",
    "login",
    "mail",
    "master",
    "mysql",
    "new",
    "oauth",
    "old",
    "personal",
    "pg",
    "postgres",
    "private",
    "proxy",
    "redis",
    "refresh",
    "registry",
    "root",
    "sa",
    "service",
    "session",
    "shared",
    "sharedaccess",
    "signing",
    "smtp",
    "ssh",
    "storage",
    "store",
    "secret",
    "truststore",
    "user",
    "vault",
    "webhook",
    "xsrf",
    "hmac",
    "jwt",
    "server",
    "subscription",
];

/// Components that make a following `key` a secret: `Account_Key`, `master-key`.
const KEY_QUALIFIERS: &[&str] = &[
    "access",
    "account",
    "api",
    "app",
    "auth",
    "client",
    "connect",
    "consumer",
    "encryption",
    "hmac",
    "master",
    "primary",
    "private",
    "secondary",
    "secret",
    "shared",
    "signing",
    "storage",
    "subscription",
    "license",
    "ssh",
    "crypto",
    "decryption",
    "session",
    "sas",
    "functions",
    "function",
    "service",
    "server",
    "user",
    "admin",
    "write",
    "read",
    "ingest",
    "deploy",
    "webhook",
    "management",
    "root",
    "partner",
    "merchant",
    "project",
    "agent",
    "install",
    "enrollment",
    "registration",
    "oauth",
    "jwt",
];

/// Last components that describe a secret rather than hold it: `token_ttl`, `password_file`,
/// `SharedAccessKeyName`, `secret_length`.
const DESCRIPTIVE: &[&str] = &[
    "file",
    "path",
    "dir",
    "name",
    "type",
    "length",
    "len",
    "size",
    "ttl",
    "expiry",
    "expires",
    "expiration",
    "timeout",
    "count",
    "enabled",
    "enable",
    "required",
    "policy",
    "provider",
    "url",
    "uri",
    "endpoint",
    "format",
    "algorithm",
    "algo",
    "header",
    "env",
    "var",
    "field",
    "ref",
    "mode",
    "method",
    "kind",
    "version",
    "lifetime",
    "age",
    "max",
    "min",
    "prompt",
    "label",
    "strength",
    "reset",
    "changed",
    "valid",
    "validity",
    "rotation",
    "source",
    "location",
    "command",
    "cmd",
    "scope",
    "scopes",
    "audience",
    "issuer",
    "status",
    "state",
    "error",
    "errors",
    "check",
    "verify",
    "usage",
    "attempts",
    "retries",
    "interval",
    "period",
    "in",
    "at",
    "on",
    "set",
    "created",
    "updated",
    "expired",
    "seconds",
    "secs",
    "ms",
    "days",
    "hours",
    "minutes",
];

/// Where a key ends before an operator (`key = v`, `"key": v`, `env["KEY"] = v`): skips white
/// space, a closing `]` and a quote; returns the key's range and whether it was quoted.
fn key_before(input: &[u8], mut k: usize) -> Option<(usize, usize, bool)> {
    while matches!(before(input, k), b' ' | b'\t') {
        k -= 1;
    }
    if before(input, k) == b']' && matches!(before(input, k - 1), b'"' | b'\'') {
        k -= 1;
    }
    let quoted = matches!(before(input, k), b'"' | b'\'');
    if quoted {
        k -= 1;
        if before(input, k) == b'\\' {
            k -= 1;
        }
    }
    let key_end = k;
    if !before(input, key_end).is_ascii_alphanumeric() {
        return None;
    }
    while is_key_byte(before(input, k)) {
        k -= 1;
    }
    (k < key_end).then_some((k, key_end, quoted))
}

/// Type names between a key and its `=` in typed declarations: `var token string = "v"`,
/// `val apiToken: String = "v"`.
fn is_type_name(key: &[u8]) -> bool {
    [
        &b"string"[..],
        b"str",
        b"securestring",
        b"char",
        b"object",
        b"any",
        b"bytes",
    ]
    .iter()
    .any(|t| key.eq_ignore_ascii_case(t))
}

/// What is known about an assignment when its value is read.
#[derive(Clone, Copy)]
struct Assignment {
    key_start: usize,
    stem: Stem,
    /// A command-line flag (`--password=v`): the value never takes the rest of the line.
    flag: bool,
    /// Assigned with `:` (YAML, JSON, headers): a value may follow on indented lines.
    colon: bool,
    /// Assigned with `=>` (PHP, logstash, Ruby): never a nested value (a `match` arm in code).
    arrow: bool,
}

/// A secret assigned with `=` (also `?=`, `:=`, `::=`, `+=`, `.=`, `=>`) or `:` at `op` to a key
/// holding a secret key word: pushes its edits and returns where the value ends.
fn secret_at_operator(input: &[u8], op: usize, edits: &mut Vec<Edit>) -> Option<usize> {
    let next = at(input, op + 1);
    let prev = before(input, op);
    let mut value_from = op + 1;
    let mut k = op;
    let colon = match at(input, op) {
        b'=' if next == b'=' || matches!(prev, b'=' | b'!' | b'<' | b'>') => return None,
        b'=' => {
            if next == b'>' {
                value_from = op + 2;
            }
            if matches!(prev, b'?' | b'+' | b'.' | b':') {
                k -= 1;
                if before(input, k) == b':' {
                    k -= 1;
                }
            }
            false
        }
        b':' if matches!(next, b':' | b'=')
            || prev == b':'
            || input.get(op + 1..op + 3) == Some(b"//") =>
        {
            return None;
        }
        b':' => true,
        _ => return None,
    };
    let (mut key_start, mut key_end, quoted) = key_before(input, k)?;
    // `pkg:amd64`, `host:port`, `urn:secret:thing`: an unquoted key with a colon and no white
    // space after it is not an assignment (`key: value` and `"key":"value"` are).
    let colon_without_space = colon && !quoted && !matches!(next, b' ' | b'\t' | b'\r' | b'\n' | 0);
    let mut key = input.get(key_start..key_end)?;
    if colon
        && next == b'"'
        && (key.eq_ignore_ascii_case(b"default") || key.eq_ignore_ascii_case(b"envDefault"))
    {
        return struct_tag_default(input, key_start, value_from, edits);
    }
    // ... except an `Authorization:Basic ...` header written without the space.
    if colon_without_space && !key.eq_ignore_ascii_case(b"authorization") {
        return None;
    }
    if !colon && !quoted && is_type_name(key) {
        let mut t = key_start;
        while matches!(before(input, t), b' ' | b'\t') {
            t -= 1;
        }
        if before(input, t) == b':' {
            t -= 1;
        }
        if t < key_start
            && let Some((s, e, _)) = key_before(input, t)
        {
            (key_start, key_end) = (s, e);
            key = input.get(key_start..key_end)?;
        }
    }
    if key.eq_ignore_ascii_case(b"key") {
        let head = input.get(..key_start).unwrap_or_default();
        for prefix in [&b"api "[..], b"access ", b"private ", b"auth "] {
            if head.len() >= prefix.len()
                && head
                    .get(head.len() - prefix.len()..)
                    .is_some_and(|h| h.eq_ignore_ascii_case(prefix))
            {
                key_start -= prefix.len();
                break;
            }
        }
    }
    let key = input.get(key_start..key_end)?;
    if key.eq_ignore_ascii_case(b"key") || key.eq_ignore_ascii_case(b"name") {
        // `<add key="DbPassword" value="v"/>`, `name="password" value="v"`,
        // `<Data Name='Password'>v</Data>`.
        if let Some(end) = named_value(input, value_from, edits) {
            return Some(end);
        }
    }
    // `-Djavax.net.ssl.keyStorePassword=v`, `-Dpassword=v`.
    let java_property = before(input, key_start) == b'-' && key.first() == Some(&b'D');
    let stem = match find_stem(key) {
        Some(stem) => stem,
        None if java_property => find_stem(key.get(1..)?)?,
        None => return None,
    };
    // `=>`: a quoted key, a Ruby symbol or a key starting its line (logstash), not the `match`
    // arm `Stem::Pass =>` of code.
    let ruby_symbol = before(input, key_start) == b':' && before(input, key_start - 1) != b':';
    if value_from == op + 2 && !(quoted || ruby_symbol || is_line_leading(input, key_start)) {
        return None;
    }
    if stem == Stem::Query && !matches!(before(input, key_start), b'?' | b'&') {
        return None;
    }
    let assignment = Assignment {
        key_start,
        stem,
        flag: key.starts_with(b"-"),
        colon,
        arrow: value_from == op + 2,
    };
    if stem == Stem::Cookie {
        return cookie_values(input, value_from, assignment, edits);
    }
    secret_value(input, value_from, assignment, edits)
}

/// A Go struct tag's default (`` Password string `env:"DB_PASSWORD" default:"v"` ``): the value
/// when the field's name holds a secret key word.
fn struct_tag_default(
    input: &[u8],
    key_start: usize,
    value_from: usize,
    edits: &mut Vec<Edit>,
) -> Option<usize> {
    let ls = line_start(input, key_start);
    let head = input.get(ls..key_start)?;
    let tick = memchr::memchr(b'`', head)?;
    let mut fields = head
        .get(..tick)?
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty());
    let (Some(field), Some(_type), None) = (fields.next(), fields.next(), fields.next()) else {
        return None;
    };
    let stem = find_stem(field).filter(|&s| is_strong(s))?;
    let assignment = Assignment {
        key_start,
        stem,
        flag: true,
        colon: false,
        arrow: false,
    };
    secret_value(input, value_from, assignment, edits)
}

/// `--password value` (a flag holding a secret key word, a space, a value not starting with `-`).
fn secret_after_flag(input: &[u8], start: usize, edits: &mut Vec<Edit>) -> Option<usize> {
    let mut end = start;
    while is_key_byte(at(input, end)) {
        end += 1;
    }
    let key = input.get(start..end)?;
    let stem = find_stem(key)?;
    if matches!(stem, Stem::Query | Stem::Cookie) || !matches!(at(input, end), b' ' | b'\t') {
        return None;
    }
    let mut p = end;
    while matches!(at(input, p), b' ' | b'\t') {
        p += 1;
    }
    if matches!(at(input, p), b'-' | b'=' | b':' | b'\r' | b'\n' | 0) {
        return None;
    }
    let assignment = Assignment {
        key_start: start,
        stem,
        flag: true,
        colon: false,
        arrow: false,
    };
    secret_value(input, p, assignment, edits)
}

/// Reads the value from `p` (after the operator) on, pushes its edits and returns where it ends.
///
/// A quoted value (`"…"`, `'…'`, `` `…` ``, `\"…\"`) loses what is between its quotes; `{…}` and
/// `[…]` lose every value inside (not the keys); a YAML key with nothing after its colon, or
/// with a block indicator (`|`, `>-`…), loses the more indented lines that follow. An unquoted
/// value ends at white space, a quote, or one of `) } ] < >` (unless it starts with one and goes
/// on: `)!~jfYGE1G`), and at `,` `;` `&` only when white space, another key (`&next=1`,
/// `;Encrypt=true`) or the line's end follows them; a key that starts its line (INI, YAML, env
/// files, not a flag or quoted key) and `Authorization` take the rest of the line.
fn secret_value(input: &[u8], mut p: usize, a: Assignment, edits: &mut Vec<Edit>) -> Option<usize> {
    let le = line_end(input, p);
    while p < le && matches!(at(input, p), b' ' | b'\t') {
        p += 1;
    }
    let quoted_key = matches!(before(input, a.key_start), b'"' | b'\'');
    let line_leading = !quoted_key && !a.flag && is_line_leading(input, a.key_start);
    if p >= le {
        return (a.colon && is_line_leading(input, a.key_start))
            .then(|| indented_block(input, a.key_start, le, false, a.stem, edits))
            .flatten();
    }
    let rest = input.get(p..le)?;
    if rest.starts_with(REDACTED) || starts_with_placeholder(rest) {
        return None;
    }
    if a.stem == Stem::Signature
        && input.get(a.key_start..).is_some_and(|k| {
            k.len() >= 21
                && k.get(..21)
                    .is_some_and(|k| k.eq_ignore_ascii_case(b"SharedAccessSignature"))
        })
    {
        // An Azure SAS in a connection string: `SharedAccessSignature=sv=…&sig=…;`.
        let len = rest
            .iter()
            .position(|&b| matches!(b, b';' | b' ' | b'\t' | b'"' | b'\''))
            .unwrap_or(rest.len());
        edits.push(secret(p, p + len, "url-signature"));
        return Some(p + len);
    }
    if a.stem.needs_random().is_none() {
        match at(input, p) {
            b'{' | b'[' if !a.arrow => {
                // Across lines only in JSON (`"password": {` …); elsewhere on this line.
                let limit = if a.colon && quoted_key {
                    input.len()
                } else {
                    le
                };
                return nested_value(input, p, limit, a.stem, edits);
            }
            b'|' | b'>'
                if a.colon
                    && rest
                        .get(1..)
                        .unwrap_or_default()
                        .iter()
                        .all(|b| matches!(b, b'-' | b'+' | b'0'..=b'9' | b' ' | b'\t')) =>
            {
                return indented_block(input, a.key_start, le, true, a.stem, edits);
            }
            _ => {}
        }
    }
    if rest.starts_with(b"\"\"\"") || rest.starts_with(b"'''") {
        // A multi-line string (Python, TOML): everything up to the closing triple quote.
        let inner = p + 3;
        let limit = input.len().min(inner + (64 << 10));
        let close =
            memmem::find(input.get(inner..limit)?, rest.get(..3)?).map_or(limit, |c| inner + c);
        let value = input.get(inner..close)?;
        if is_left_alone(value.trim_ascii()) {
            return None;
        }
        edits.push(secret(inner, close, a.stem.kind_name()));
        return Some(close);
    }
    let (value_start, value_end) = if rest.starts_with(b"\\\"") {
        let inner = p + 2;
        let close = memmem::find(input.get(inner..le)?, b"\\\"").map_or(le, |c| inner + c);
        (inner, close)
    } else if let q @ (b'"' | b'\'' | b'`') = at(input, p) {
        let inner = p + 1;
        let mut i = inner;
        while i < le && at(input, i) != q {
            i += if at(input, i) == b'\\' && q == b'"' {
                2
            } else {
                1
            };
        }
        (inner, i.min(le))
    } else {
        if starts_with_placeholder(rest) {
            return None;
        }
        let len = unquoted_len(rest);
        let first = rest.get(..len)?;
        if is_left_alone(first) || is_reference(first, rest.get(len..).unwrap_or_default()) {
            return None;
        }
        // `apiToken: String = "v"`: the `=` reads the value.
        let after = rest.get(len..).unwrap_or_default().trim_ascii_start();
        if a.colon && after.starts_with(b"=") && !after.starts_with(b"==") {
            return None;
        }
        if a.stem == Stem::Authorization || line_leading {
            (p, p + rest.trim_ascii_end().len())
        } else {
            (p, p + len)
        }
    };
    let value = input.get(value_start..value_end)?;
    if is_left_alone(value) || (value_start != p && is_reference(value, b"")) {
        return None;
    }
    if let Some(min) = a.stem.needs_random()
        && !looks_random(value, min)
    {
        return None;
    }
    edits.push(secret(value_start, value_end, a.stem.kind_name()));
    Some(value_end)
}

/// Whether `b` may continue an unquoted value after a `,` `;` or `&`.
fn is_value_byte(b: u8) -> bool {
    !(b.is_ascii_whitespace()
        || b == 0
        || matches!(
            b,
            b'"' | b'\'' | b'`' | b')' | b'}' | b']' | b'<' | b'>' | b',' | b';' | b'&'
        ))
}

/// Whether `text` starts with `key=` or `key:` (after white space).
fn starts_with_assignment(text: &[u8]) -> bool {
    let text = text.trim_ascii_start();
    let len = text.iter().take_while(|&&b| is_key_byte(b)).count();
    len > 0 && matches!(text.get(len), Some(b'=' | b':'))
}

/// Whether a `,` `;` or `&` followed by `tail` ends an unquoted value.
fn ends_value(tail: &[u8]) -> bool {
    !tail.first().is_some_and(|&n| is_value_byte(n)) || starts_with_assignment(tail)
}

/// The length of an unquoted value at the start of `rest`; see [`secret_value`].
fn unquoted_len(rest: &[u8]) -> usize {
    let mut i = 0;
    while let Some(&b) = rest.get(i) {
        match b {
            b' ' | b'\t' | b'"' | b'\'' | b'`' => break,
            b')' | b'}' | b']' | b'<' | b'>'
                if i > 0 || !rest.get(1).is_some_and(|&n| is_value_byte(n)) =>
            {
                break;
            }
            b',' | b';' | b'&' if ends_value(rest.get(i + 1..).unwrap_or_default()) => break,
            _ => {}
        }
        i += 1;
    }
    i
}

/// Only white space (and a YAML list dash) before the key on its line.
fn is_line_leading(input: &[u8], key_start: usize) -> bool {
    let ls = line_start(input, key_start);
    input
        .get(ls..key_start)
        .is_some_and(|head| head.iter().all(|b| matches!(b, b' ' | b'\t' | b'-')))
}

/// Values that are not secrets: empty, already `[REDACTED]` or a pseudonym, booleans and
/// `null`/`none`, masks (`****`, `xxxx`, `ab12****`), placeholders (`${VAR}`, `$VAR`, `%VAR%`,
/// `{{ .Values.x }}`, `<token>`, `changeme`, `your-password`, `YOUR_API_KEY_HERE`).
fn is_left_alone(value: &[u8]) -> bool {
    value.is_empty() || value.starts_with(REDACTED) || is_pseudonym(value) || is_placeholder(value)
}

/// A literal that is no secret wherever it stands: [`is_left_alone`], a template or variable
/// reference ([`starts_with_placeholder`]) or a dotted code reference ([`is_reference`]).
fn is_not_secret(value: &[u8]) -> bool {
    is_left_alone(value) || starts_with_placeholder(value) || is_reference(value, b"")
}

/// See [`is_left_alone`].
fn is_placeholder(value: &[u8]) -> bool {
    const WORDS: &[&[u8]] = &[
        b"true",
        b"false",
        b"null",
        b"none",
        b"nil",
        b"undefined",
        b"yes",
        b"no",
        b"on",
        b"off",
        b"empty",
        b"changeme",
        b"change_me",
        b"change-me",
        b"changeit",
        b"password",
        b"passwd",
        b"secret",
        b"token",
        b"placeholder",
        b"redacted",
        b"example",
        b"dummy",
        b"todo",
        b"tbd",
        b"n/a",
        b"hidden",
        b"masked",
        b"string",
        b"required",
        b"optional",
        b"replaceme",
        b"replace_me",
        b"replace-me",
        b"secure",
        b"...",
    ];
    let trimmed = value
        .strip_prefix(b"<")
        .and_then(|v| v.strip_suffix(b">"))
        .unwrap_or(value);
    if trimmed.len() < value.len() && !trimmed.contains(&b'<') {
        return true;
    }
    if WORDS.iter().any(|w| value.eq_ignore_ascii_case(w)) || starts_with_placeholder(value) {
        return true;
    }
    let first = value.first().copied().unwrap_or(0);
    if value.len() >= 2 && value.iter().all(|&b| b == first) {
        return true;
    }
    if value.windows(3).any(|w| w == b"***") {
        return true;
    }
    // Compared ASCII case-insensitively, without a lower-cased copy (this runs for every value).
    let contains = |needle: &[u8]| {
        value
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
    };
    let starts = |prefix: &[u8]| {
        value
            .get(..prefix.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(prefix))
    };
    let ends = |suffix: &[u8]| {
        value
            .len()
            .checked_sub(suffix.len())
            .and_then(|at| value.get(at..))
            .is_some_and(|t| t.eq_ignore_ascii_case(suffix))
    };
    const MARKERS: &[&[u8]] = &[
        b"example",
        b"placeholder",
        b"changeme",
        b"change_me",
        b"change-me",
        b"your_",
        b"your-",
        b"dummy",
        b"sample",
        b"redacted",
    ];
    // One pass: markers are compared only where a byte could start one.
    let marker_here = |i: usize| {
        let rest = value.get(i..).unwrap_or_default();
        MARKERS.iter().any(|m| {
            rest.get(..m.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(m))
        })
    };
    // The markers' first letters (lower case), as a bit set.
    const STARTS: u32 = {
        let mut bits = 0u32;
        let mut i = 0;
        while i < MARKERS.len() {
            bits |= 1 << (MARKERS[i][0] - b'a');
            i += 1;
        }
        bits
    };
    let may_start = |b: u8| {
        let lower = b | 0x20;
        lower.is_ascii_lowercase() && STARTS & (1 << (lower - b'a')) != 0
    };
    if (0..value.len()).any(|i| may_start(at(value, i)) && marker_here(i)) {
        return true;
    }
    // Mostly runs of one character (`sk_live_000000…`) or of ascending ones
    // (`abcdefghijklmnopqrstuvwxyz123456`, `0123456789abcdef0123456789abcdef`).
    let (mut run, mut up, mut in_runs, mut in_ups, mut longest_up) = (1, 1, 0, 0, 1);
    for pair in value.windows(2) {
        let (a, b) = (
            pair.first().copied().unwrap_or(0),
            pair.get(1).copied().unwrap_or(0),
        );
        run = if a == b { run + 1 } else { 1 };
        up = if a.is_ascii_alphanumeric() && a.wrapping_add(1) == b {
            up + 1
        } else {
            1
        };
        // Bytes in runs of 8 or more repeated bytes, of 6 or more ascending ones.
        in_runs += match run {
            8 => 8,
            r if r > 8 => 1,
            _ => 0,
        };
        in_ups += match up {
            6 => 6,
            r if r > 6 => 1,
            _ => 0,
        };
        longest_up = longest_up.max(up);
    }
    if (in_runs > 0 && in_runs * 2 >= value.len())
        || (longest_up >= 10 && in_ups * 10 > value.len() * 6)
    {
        return true;
    }
    let xs = value.iter().filter(|&&b| b | 0x20 == b'x').count();
    let alnum = value.iter().filter(|b| b.is_ascii_alphanumeric()).count();
    if xs >= 4 && contains(b"xxxx") && xs * 10 >= alnum * 6 {
        return true;
    }
    starts(b"your")
        || starts(b"<your")
        || ends(b"_here")
        || ends(b"-here")
        || starts(b"replace_with")
        || starts(b"insert_")
        || starts(b"insert-")
        || starts(b"enter_")
}

/// Template and variable references at the start of a value: `${VAR}`, `$(cmd)`, `$VAR`,
/// `#{x}`, `%{x}`, `{{ x }}`, `{% x %}`, `<%= x %>`, `%VAR%`, `@VAR@`.
fn starts_with_placeholder(rest: &[u8]) -> bool {
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let closed_by = |open: usize, close: u8| {
        let body = rest.get(open..).unwrap_or_default();
        let len = body.iter().take_while(|&&b| is_ident(b)).count();
        len > 0 && body.get(len) == Some(&close)
    };
    match (at(rest, 0), at(rest, 1)) {
        (b'$', b'{' | b'(') | (b'#' | b'%' | b'@', b'{') | (b'{', b'{' | b'%') | (b'<', b'%') => {
            true
        }
        (b'%', b'(') => true,
        (b'<', b) if b.is_ascii_alphabetic() => {
            let body = rest.get(1..).unwrap_or_default();
            let body = body.get(..body.len().min(64)).unwrap_or_default();
            body.iter().position(|&c| c == b'>').is_some_and(|end| {
                body.get(..end).is_some_and(|name| {
                    name.iter().all(|&c| {
                        c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b' ' | b'.')
                    })
                })
            })
        }
        (b'$', b) => b.is_ascii_alphabetic() || b == b'_',
        (b'%', _) => closed_by(1, b'%'),
        (b'@', _) => closed_by(1, b'@'),
        _ => false,
    }
}

/// A code reference instead of a literal (unquoted values only): `var.db_password`,
/// `process.env.API_TOKEN`, `settings.SECRET_KEY`, `X25519.secret_length`, `os.getenv("X")`,
/// `getPassword()`, `ENV['X']`. `after` is what follows the value on its line.
fn is_reference(value: &[u8], after: &[u8]) -> bool {
    const ROOTS: &[&[u8]] = &[
        b"var",
        b"local",
        b"locals",
        b"module",
        b"data",
        b"self",
        b"this",
        b"settings",
        b"config",
        b"conf",
        b"cfg",
        b"process",
        b"env",
        b"os",
        b"secrets",
        b"vars",
        b"params",
        b"props",
        b"system",
        b"environment",
        b"context",
        b"ctx",
        b"values",
        b"spec",
        b"input",
        b"inputs",
        b"args",
        b"opts",
        b"options",
        b"app",
        b"request",
        b"req",
        b"each",
        b"item",
        b"ENV",
        b"window",
        b"global",
        b"globals",
        b"std",
        b"steps",
        b"needs",
        b"matrix",
    ];
    let is_ident_start = |b: u8| b.is_ascii_alphabetic() || b == b'_';
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    // Take the leading identifier path of `value` (`a.b.c`), then see what follows.
    let mut parts = 0;
    let mut i = 0;
    let mut first: &[u8] = &[];
    let mut has_stem = false;
    loop {
        if !is_ident_start(at(value, i)) {
            return false;
        }
        let start = i;
        while is_ident(at(value, i)) {
            i += 1;
        }
        let part = value.get(start..i).unwrap_or_default();
        if parts == 0 {
            first = part;
        }
        parts += 1;
        let lower = part.to_ascii_lowercase();
        has_stem |= [
            &b"secret"[..],
            b"pass",
            b"token",
            b"key",
            b"auth",
            b"credential",
            b"pwd",
        ]
        .iter()
        .any(|w| memmem::find(&lower, w).is_some());
        if looks_random(part, 12) {
            // `dp.pt.iyakrj5ht1av…`: a token with dots, not a path of names.
            return false;
        }
        if at(value, i) == b'.' && is_ident_start(at(value, i + 1)) {
            i += 1;
            continue;
        }
        break;
    }
    // The byte at `j` of the value followed by what comes after it.
    let joined = |j: usize| {
        value
            .get(j)
            .or_else(|| after.get(j.saturating_sub(value.len())))
            .copied()
            .unwrap_or(0)
    };
    let next = joined(i);
    if matches!(next, b'(' | b'[') && i >= 3 {
        // A call or an index: `os.getenv("X")`, `getPassword()`, `ENV['X']`.
        let inner = joined(i + 1);
        return matches!(inner, b'"' | b'\'' | b')' | b':') || inner.is_ascii_alphanumeric();
    }
    if i < value.len() || parts < 2 {
        return false;
    }
    has_stem || ROOTS.iter().any(|r| first.eq_ignore_ascii_case(r))
}

/// Whether `value` looks like a generated secret rather than a word or a number: at least
/// `min` bytes, two of lower case, upper case and digits, and not a plain number or version.
fn looks_random(value: &[u8], min: usize) -> bool {
    if value.len() < min
        || !value.iter().all(|&b| {
            b.is_ascii_alphanumeric()
                || matches!(b, b'+' | b'/' | b'=' | b'_' | b'%' | b'.' | b'~' | b'-')
        })
    {
        return false;
    }
    let lower = value.iter().any(u8::is_ascii_lowercase);
    let upper = value.iter().any(u8::is_ascii_uppercase);
    let digit = value.iter().any(u8::is_ascii_digit);
    let classes = usize::from(lower) + usize::from(upper) + usize::from(digit);
    let mut seen = [false; 256];
    let mut distinct = 0;
    for &b in value {
        if let Some(slot) = seen.get_mut(usize::from(b))
            && !*slot
        {
            *slot = true;
            distinct += 1;
        }
    }
    classes >= 2 && distinct * 4 >= value.len().min(64)
}

/// Every value inside the `{…}` or `[…]` at `open` (up to `limit`, at most 64 KiB): strings not
/// followed by `:` (keys stay) and bare scalars. Returns where the structure ends.
fn nested_value(
    input: &[u8],
    open: usize,
    limit: usize,
    stem: Stem,
    edits: &mut Vec<Edit>,
) -> Option<usize> {
    let limit = limit.min(open + (64 << 10));
    let mut depth = 0usize;
    let mut i = open;
    let mut pushed = false;
    while i < limit {
        match at(input, i) {
            b'{' | b'[' => {
                depth += 1;
                i += 1;
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                i += 1;
                if depth == 0 {
                    break;
                }
            }
            q @ (b'"' | b'\'') => {
                let start = i + 1;
                let mut j = start;
                while j < limit && at(input, j) != q && at(input, j) != b'\n' {
                    j += if at(input, j) == b'\\' { 2 } else { 1 };
                }
                let end = j.min(limit);
                let mut after = end + 1;
                while matches!(at(input, after), b' ' | b'\t') {
                    after += 1;
                }
                if at(input, after) != b':'
                    && let Some(value) = input.get(start..end)
                    && !is_left_alone(value)
                {
                    edits.push(secret(start, end, stem.kind_name()));
                    pushed = true;
                }
                i = end + 1;
            }
            b if b.is_ascii_whitespace() || b == b',' || b == b':' => i += 1,
            _ => {
                let start = i;
                let is_scalar_byte = |i: usize| match at(input, i) {
                    b':' => !matches!(at(input, i + 1), b' ' | b'\t' | b'\n'),
                    b => {
                        !b.is_ascii_whitespace()
                            && !matches!(b, b',' | b'{' | b'}' | b'[' | b']' | b'"' | b'\'')
                    }
                };
                while i < limit && is_scalar_byte(i) {
                    i += 1;
                }
                let value = input.get(start..i).unwrap_or_default();
                if at(input, i) != b':' && !is_left_alone(value) && !is_placeholder(value) {
                    edits.push(secret(start, i, stem.kind_name()));
                    pushed = true;
                }
                if i == start {
                    i += 1;
                }
            }
        }
    }
    pushed.then_some(i)
}

/// The lines after the line ending at `le` that are indented deeper than the key at
/// `key_start`: a YAML block scalar (`literal`: each line's text) or a nested mapping or list
/// (the value of each `k: v` and `- v`). Returns where the block ends.
fn indented_block(
    input: &[u8],
    key_start: usize,
    le: usize,
    literal: bool,
    stem: Stem,
    edits: &mut Vec<Edit>,
) -> Option<usize> {
    let indent = key_start - line_start(input, key_start);
    let mut pos = le;
    let mut end = None;
    let mut lines = 0;
    while at(input, pos) == b'\r' || at(input, pos) == b'\n' {
        if at(input, pos) == b'\n' {
            pos += 1;
            break;
        }
        pos += 1;
    }
    while pos < input.len() && lines < 10_000 {
        lines += 1;
        let e = line_end(input, pos);
        let line = input.get(pos..e).unwrap_or_default();
        let depth = line
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count();
        let text_start = pos + depth;
        let next = memchr::memchr(b'\n', input.get(e..).unwrap_or_default())
            .map_or(input.len(), |n| e + n + 1);
        if depth == line.len() {
            pos = next;
            continue;
        }
        if depth <= indent {
            break;
        }
        let mut start = text_start;
        if !literal {
            if at(input, start) == b'-' && matches!(at(input, start + 1), b' ' | b'\t') {
                start += 2;
            }
            let text = input.get(start..e).unwrap_or_default();
            if let Some(colon) = memchr::memchr(b':', text)
                && matches!(text.get(colon + 1), None | Some(b' ' | b'\t'))
                && text
                    .get(..colon)
                    .is_some_and(|k| k.iter().all(|&b| is_key_byte(b) || b == b'"' || b == b'\''))
            {
                // `name: regcred`, `secretName: x`, `mountPath: /p` under `imagePullSecrets:`
                // or `secret:` name the secret; they are not it.
                if text.get(..colon).is_some_and(is_descriptive) {
                    pos = next;
                    continue;
                }
                start += colon + 1;
            }
            while matches!(at(input, start), b' ' | b'\t') {
                start += 1;
            }
            if matches!(at(input, start), b'"' | b'\'')
                && e > start + 1
                && before(input, e) == at(input, start)
            {
                start += 1;
                let value = input.get(start..e - 1).unwrap_or_default();
                if !is_left_alone(value) {
                    edits.push(secret(start, e - 1, stem.kind_name()));
                    end = Some(e);
                }
                pos = next;
                continue;
            }
        }
        let text_end = start
            + input
                .get(start..e)
                .unwrap_or_default()
                .trim_ascii_end()
                .len();
        if let Some(value) = input.get(start..text_end)
            && !is_left_alone(value)
        {
            edits.push(secret(start, text_end, stem.kind_name()));
            end = Some(text_end);
        }
        pos = next;
    }
    end
}

/// `Cookie: a=v1; b=v2` (every value) and `Set-Cookie: a=v; Path=/` (the first value): the
/// names and attributes stay.
fn cookie_values(
    input: &[u8],
    mut p: usize,
    a: Assignment,
    edits: &mut Vec<Edit>,
) -> Option<usize> {
    let le = line_end(input, p);
    while p < le && matches!(at(input, p), b' ' | b'\t') {
        p += 1;
    }
    let mut end = le;
    if let q @ (b'"' | b'\'') = at(input, p) {
        p += 1;
        end = memchr::memchr(q, input.get(p..le)?).map_or(le, |c| p + c);
    } else if let q @ (b'"' | b'\'') = before(input, a.key_start) {
        end = memchr::memchr(q, input.get(p..le)?).map_or(le, |c| p + c);
    }
    let set_cookie = input
        .get(a.key_start..a.key_start + 3)
        .is_some_and(|s| s.eq_ignore_ascii_case(b"set"));
    let mut pushed = false;
    let mut s = p;
    while s < end {
        let seg_end = memchr::memchr(b';', input.get(s..end)?).map_or(end, |c| s + c);
        if let Some(eq) = memchr::memchr(b'=', input.get(s..seg_end)?) {
            let mut vs = s + eq + 1;
            let mut ve = seg_end;
            while vs < ve && at(input, vs) == b' ' {
                vs += 1;
            }
            while ve > vs && matches!(before(input, ve), b' ' | b'\t') {
                ve -= 1;
            }
            if ve > vs + 1 && at(input, vs) == b'"' && before(input, ve) == b'"' {
                vs += 1;
                ve -= 1;
            }
            if let Some(value) = input.get(vs..ve)
                && !is_not_secret(value)
            {
                edits.push(secret(vs, ve, "cookie"));
                pushed = true;
            }
        }
        if set_cookie {
            break;
        }
        s = seg_end + 1;
    }
    pushed.then_some(end)
}

/// After `key=` or `name=` at `p`: a quoted name holding a secret key word, and then the value
/// that goes with it: a `value="…"` attribute or `value:` key on the same or the next line, or
/// the element text (`<Data Name='Password'>v</Data>`).
fn named_value(input: &[u8], mut p: usize, edits: &mut Vec<Edit>) -> Option<usize> {
    let le = line_end(input, p);
    while p < le && matches!(at(input, p), b' ' | b'\t') {
        p += 1;
    }
    let q = at(input, p);
    let (name_start, name_end) = if matches!(q, b'"' | b'\'') {
        let close = memchr::memchr(q, input.get(p + 1..le)?)? + p + 1;
        (p + 1, close)
    } else {
        let len = input
            .get(p..le)?
            .iter()
            .take_while(|&&b| is_key_byte(b))
            .count();
        (p, p + len)
    };
    let name = input.get(name_start..name_end)?;
    let stem = find_stem(name)?;
    if matches!(stem, Stem::Query | Stem::Cookie | Stem::Auth) {
        return None;
    }
    let after = if name_start > p {
        name_end + 1
    } else {
        name_end
    };
    // The rest of this line and the next one.
    let next_end = line_end(input, (le + 1).min(input.len()));
    let window = input.get(after..next_end.max(after))?;
    let mut from = 0;
    while let Some(hit) = window
        .get(from..)
        .and_then(|w| memchr::memmem::find(&w.to_ascii_lowercase(), b"value"))
    {
        let start = after + from + hit;
        from += hit + 5;
        if is_key_byte(before(input, start)) || is_key_byte(at(input, start + 5)) {
            continue;
        }
        let mut op = start + 5;
        if matches!(at(input, op), b'"' | b'\'') {
            op += 1;
        }
        while at(input, op) == b' ' {
            op += 1;
        }
        if !matches!(at(input, op), b'=' | b':') {
            continue;
        }
        let assignment = Assignment {
            key_start: start,
            stem,
            flag: false,
            colon: at(input, op) == b':',
            arrow: false,
        };
        return secret_value(input, op + 1, assignment, edits);
    }
    // `<Data Name='Password'>v</Data>`: the element's text.
    let close = memchr::memchr(b'>', input.get(after..le)?)? + after;
    if before(input, close) == b'/' {
        return None;
    }
    let text_end = memchr::memchr(b'<', input.get(close + 1..le)?)? + close + 1;
    let value = input.get(close + 1..text_end)?.trim_ascii();
    if is_not_secret(value) {
        return None;
    }
    let start = close
        + 1
        + input
            .get(close + 1..text_end)?
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
    edits.push(secret(start, start + value.len(), stem.kind_name()));
    Some(text_end)
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'~' | b'+' | b'/' | b'=' | b'-')
}

/// `Basic <base64 of user:password>` (a header written without its name, an error text), the
/// `B` of `Basic` at `start`: only a token that decodes to text with a `:`.
fn basic_credentials(input: &[u8], start: usize) -> Option<Edit> {
    use base64::Engine as _;
    let end = start + 5;
    if before(input, start).is_ascii_alphanumeric()
        || !input.get(start..end)?.eq_ignore_ascii_case(b"basic")
        || at(input, end) != b' '
    {
        return None;
    }
    let p = end + 1;
    let rest = input.get(p..)?;
    let len = rest
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')))
        .unwrap_or(rest.len());
    let token = rest.get(..len)?;
    if !(8..=4096).contains(&len) || is_word_byte(at(input, p + len)) {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(token)
        .ok()?;
    (decoded.contains(&b':') && decoded.iter().all(|b| !b.is_ascii_control()))
        .then(|| secret(p, p + len, "basic-auth"))
}

/// `Bearer <token>`, the `B` of `Bearer` at `start`.
fn bearer_token(input: &[u8], start: usize) -> Option<Edit> {
    let end = start + 6;
    if before(input, start).is_ascii_alphanumeric()
        || !input.get(start..end)?.eq_ignore_ascii_case(b"bearer")
        || at(input, end) != b' '
    {
        return None;
    }
    let mut p = end;
    while at(input, p) == b' ' {
        p += 1;
    }
    let rest = input.get(p..)?;
    let len = rest
        .iter()
        .position(|&b| !is_token_byte(b))
        .unwrap_or(rest.len());
    let token = rest.get(..len)?;
    if token.len() < 8 || token.iter().all(u8::is_ascii_lowercase) || is_left_alone(token) {
        return None;
    }
    Some(secret(p, p + len, "bearer-token"))
}

/// JWTs, bearer tokens and Basic credentials (AWS key ids and the other self-identifying
/// tokens: `super::tokens`).
fn literal_edits(input: &[u8], edits: &mut Vec<Edit>) {
    for tail in [&b"asic "[..], b"ASIC "] {
        for at_tail in memmem::find_iter(input, tail) {
            if let Some(edit) = at_tail
                .checked_sub(1)
                .and_then(|start| basic_credentials(input, start))
            {
                edits.push(edit);
            }
        }
    }
    for tail in [&b"earer "[..], b"EARER "] {
        for at_tail in memmem::find_iter(input, tail) {
            if let Some(edit) = at_tail
                .checked_sub(1)
                .and_then(|start| bearer_token(input, start))
            {
                edits.push(edit);
            }
        }
    }
    let is_b64url = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    for start in memmem::find_iter(input, b"eyJ") {
        if is_b64url(before(input, start)) {
            continue;
        }
        let mut p = start;
        let mut parts = 0;
        let mut first_len = 0;
        loop {
            let part_start = p;
            while is_b64url(at(input, p)) {
                p += 1;
            }
            if parts == 0 {
                first_len = p - part_start;
            }
            parts += 1;
            if parts == 3 || at(input, p) != b'.' {
                break;
            }
            p += 1;
        }
        if parts == 3 && first_len >= 10 {
            edits.push(secret(start, p, "jwt"));
        }
    }
}

/// Secrets found by their syntax rather than after an `=` or `:`: XML elements, call
/// arguments, command lines, `.netrc`.
fn syntax_edits(input: &[u8], edits: &mut Vec<Edit>) {
    xml_element_edits(input, edits);
    call_argument_edits(input, edits);
    command_edits(input, edits);
}

/// Secrets that identify themselves wherever they stand: crypt hashes and the pseudonym key
/// line (with [`literal_edits`]: JWTs, AWS key ids, bearer tokens, Basic credentials).
fn format_edits(input: &[u8], edits: &mut Vec<Edit>) {
    literal_edits(input, edits);
    super::tokens::find(input, |start, end, kind| {
        edits.push(secret(start, end, kind))
    });
    crypt_hash_edits(input, edits);
    for start in memmem::find_iter(input, b"casefile-key-v1:") {
        let hex = start + 16;
        let len = input
            .get(hex..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| b.is_ascii_hexdigit())
            .count();
        if len >= 64 {
            edits.push(secret(hex, hex + len, "casefile-key"));
        }
    }
}

/// The strong key words: those that make any value a secret.
fn is_strong(stem: Stem) -> bool {
    matches!(
        stem,
        Stem::Pass | Stem::Pwd | Stem::Plain | Stem::Authorization
    )
}

/// `<Password>v</Password>`, `<ns:ApiToken>v</ns:ApiToken>`: the text of a one-line element
/// whose name holds a secret key word (anchored on `</`).
fn xml_element_edits(input: &[u8], edits: &mut Vec<Edit>) {
    for close in memmem::find_iter(input, b"</") {
        let name_start = close + 2;
        let len = input
            .get(name_start..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&b| is_key_byte(b) || b == b':')
            .count();
        if len == 0 || at(input, name_start + len) != b'>' {
            continue;
        }
        let Some(name) = input.get(name_start..name_start + len) else {
            continue;
        };
        let local = name.rsplit(|&b| b == b':').next().unwrap_or(name);
        if !find_stem(local).is_some_and(is_strong) {
            continue;
        }
        let ls = line_start(input, close);
        let Some(gt) = memchr::memrchr(b'>', input.get(ls..close).unwrap_or_default()) else {
            continue;
        };
        let gt = ls + gt;
        let Some(lt) = memchr::memrchr(b'<', input.get(ls..gt).unwrap_or_default()) else {
            continue;
        };
        let open = input.get(ls + lt + 1..gt).unwrap_or_default();
        if !open.starts_with(name)
            || !matches!(open.get(name.len()), None | Some(b' ' | b'\t'))
            || open.ends_with(b"/")
        {
            continue;
        }
        let text = input.get(gt + 1..close).unwrap_or_default();
        let lead = text.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let value = text.trim_ascii();
        if !is_not_secret(value) && !value.contains(&b'<') {
            let start = gt + 1 + lead;
            edits.push(secret(
                start,
                start + value.len(),
                find_stem(local).map_or("secret-value", Stem::kind_name),
            ));
        }
    }
}

/// `setProperty("X_TOKEN", "v")`, `setenv("API_TOKEN", "v")`, `config.set("password", "v")`,
/// `Map.of("password", "v")`: a quoted literal after a quoted key name that opens a call or
/// follows a `,` (anchored on `",` and `',`).
fn call_argument_edits(input: &[u8], edits: &mut Vec<Edit>) {
    for needle in [&b"\","[..], b"',"] {
        let q = needle.first().copied().unwrap_or(b'"');
        for close in memmem::find_iter(input, needle) {
            let mut k = close;
            while is_key_byte(before(input, k)) {
                k -= 1;
            }
            if k == close || before(input, k) != q {
                continue;
            }
            let mut o = k - 1;
            while matches!(before(input, o), b' ' | b'\t') {
                o -= 1;
            }
            if !matches!(before(input, o), b'(' | b'[' | b'{' | b',') {
                continue;
            }
            let Some(stem) = input.get(k..close).and_then(find_stem) else {
                continue;
            };
            if !is_strong(stem) {
                continue;
            }
            let mut v = close + 2;
            while matches!(at(input, v), b' ' | b'\t') {
                v += 1;
            }
            let vq = at(input, v);
            if !matches!(vq, b'"' | b'\'') {
                continue;
            }
            let le = line_end(input, v);
            let Some(end) = input
                .get(v + 1..le)
                .and_then(|rest| memchr::memchr(vq, rest))
                .map(|e| v + 1 + e)
            else {
                continue;
            };
            let mut after = end + 1;
            while matches!(at(input, after), b' ' | b'\t') {
                after += 1;
            }
            if !matches!(
                at(input, after),
                b')' | b',' | b']' | b'}' | b';' | 0 | b'\r' | b'\n'
            ) {
                continue;
            }
            if let Some(value) = input.get(v + 1..end)
                && !is_not_secret(value)
            {
                edits.push(secret(v + 1, end, stem.kind_name()));
            }
        }
    }
}

/// The white-space separated words of `input[from..to]`, as ranges.
fn words(input: &[u8], from: usize, to: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut p = from;
    std::iter::from_fn(move || {
        while p < to && at(input, p).is_ascii_whitespace() {
            p += 1;
        }
        if p >= to {
            return None;
        }
        let start = p;
        while p < to && !at(input, p).is_ascii_whitespace() {
            p += 1;
        }
        Some((start, p))
    })
}

/// A word without its surrounding quotes.
fn unquote(input: &[u8], (start, end): (usize, usize)) -> (usize, usize) {
    let q = at(input, start);
    if matches!(q, b'"' | b'\'') && end > start + 1 && before(input, end) == q {
        (start + 1, end - 1)
    } else {
        (start, end)
    }
}

/// Command lines that pass a password without a key word: `curl -u user:pass` (and `--user`,
/// `--proxy-user`, `-U`), `mysql -pPASS` (`mysqldump`, `mysqladmin`, `mariadb`),
/// `sshpass -p PASS`, `redis-cli -a PASS`; `.netrc` `machine h login u password p`; a
/// Dockerfile `ENV API_TOKEN value`.
fn command_edits(input: &[u8], edits: &mut Vec<Edit>) {
    let push = |input: &[u8], range: (usize, usize), kind: &'static str, edits: &mut Vec<Edit>| {
        let (s, e) = unquote(input, range);
        if let Some(value) = input.get(s..e)
            && !is_not_secret(value)
        {
            edits.push(secret(s, e, kind));
        }
    };
    for command in [&b"curl"[..], b"mysql", b"mariadb", b"sshpass", b"redis-cli"] {
        for hit in memmem::find_iter(input, command) {
            if is_word_byte(before(input, hit)) && before(input, hit) != b'-' {
                continue;
            }
            let le = line_end(input, hit);
            let mut flag: Option<&[u8]> = None;
            for word in words(input, hit + command.len(), le) {
                let text = input.get(word.0..word.1).unwrap_or_default();
                if let Some(f) = flag.take() {
                    if f == b"-p" || f == b"-a" {
                        push(input, word, "password", edits);
                    } else {
                        user_password(input, word, edits);
                    }
                    continue;
                }
                match command {
                    b"curl" => {
                        if matches!(text, b"-u" | b"--user" | b"-U" | b"--proxy-user") {
                            flag = Some(b"-u");
                        } else if let Some(v) = text.strip_prefix(b"--user=") {
                            user_password(input, (word.1 - v.len(), word.1), edits);
                        } else if text.starts_with(b"-u")
                            && text.len() > 2
                            && !text.starts_with(b"-u-")
                        {
                            user_password(input, (word.0 + 2, word.1), edits);
                        }
                    }
                    b"sshpass" => {
                        if text == b"-p" {
                            flag = Some(b"-p");
                        } else if text.starts_with(b"-p") && text.len() > 2 {
                            push(input, (word.0 + 2, word.1), "password", edits);
                        }
                    }
                    b"redis-cli" => {
                        if text == b"-a" {
                            flag = Some(b"-a");
                        }
                    }
                    _ => {
                        if text.starts_with(b"-p") && text.len() > 2 {
                            push(input, (word.0 + 2, word.1), "password", edits);
                        }
                    }
                }
            }
        }
    }
    // `.netrc`: `machine host login user password secret`, on one line or several.
    for hit in memmem::find_iter(input, b"machine ") {
        if !matches!(before(input, hit), 0 | b' ' | b'\t' | b'\n') {
            continue;
        }
        // `machine HOST` and then keyword-value pairs only.
        let limit = input.len().min(hit + 1024);
        let mut ws = words(input, hit + 8, limit);
        if ws.next().is_none() {
            continue;
        }
        while let (Some(keyword), Some(value)) = (ws.next(), ws.next()) {
            match input.get(keyword.0..keyword.1).unwrap_or_default() {
                b"password" => push(input, value, "password", edits),
                b"login" | b"account" | b"port" => {}
                _ => break,
            }
        }
    }
    // Dockerfile `ENV API_TOKEN value` (the old form without `=`).
    for hit in memmem::find_iter(input, b"ENV ") {
        if line_start(input, hit) != hit {
            continue;
        }
        let le = line_end(input, hit);
        let mut ws = words(input, hit + 4, le);
        let (Some(key), Some(value)) = (ws.next(), ws.next()) else {
            continue;
        };
        let key_text = input.get(key.0..key.1).unwrap_or_default();
        if key_text.contains(&b'=') || !find_stem(key_text).is_some_and(is_strong) {
            continue;
        }
        let end = line_end(input, value.0);
        push(
            input,
            (
                value.0,
                input
                    .get(value.0..end)
                    .map_or(end, |v| value.0 + v.trim_ascii_end().len()),
            ),
            "secret-value",
            edits,
        );
    }
}

/// `user:password` as given to `curl -u`: the part after the first colon.
fn user_password(input: &[u8], word: (usize, usize), edits: &mut Vec<Edit>) {
    let (s, e) = unquote(input, word);
    let Some(colon) = input.get(s..e).and_then(|w| memchr::memchr(b':', w)) else {
        return;
    };
    let ps = s + colon + 1;
    if let Some(value) = input.get(ps..e)
        && !is_left_alone(value)
        && !starts_with_placeholder(value)
    {
        edits.push(secret(ps, e, "password"));
    }
}

/// Crypt password hashes (`/etc/shadow`, htpasswd, configs): `$1$`, `$5$`, `$6$`, `$y$`,
/// `$gy$`, `$7$`, `$2a$`/`$2b$`/`$2y$`, `$apr1$`, `$argon2id$`, `$pbkdf2-sha256$`, `$scrypt$`
/// and their salts, at the start of a word.
fn crypt_hash_edits(input: &[u8], edits: &mut Vec<Edit>) {
    const IDS: &[&[u8]] = &[
        b"1",
        b"5",
        b"6",
        b"y",
        b"gy",
        b"7",
        b"2a",
        b"2b",
        b"2x",
        b"2y",
        b"apr1",
        b"argon2i",
        b"argon2d",
        b"argon2id",
        b"pbkdf2",
        b"pbkdf2-sha1",
        b"pbkdf2-sha256",
        b"pbkdf2-sha512",
        b"scrypt",
        b"sha1",
        b"md5",
        b"sm3",
    ];
    let is_hash_byte = |b: u8| {
        b.is_ascii_alphanumeric()
            || matches!(b, b'.' | b'/' | b'$' | b'=' | b'+' | b',' | b'-' | b'_')
    };
    let mut from = 0;
    while let Some(start) = input
        .get(from..)
        .and_then(|r| memchr::memchr(b'$', r))
        .map(|i| from + i)
    {
        from = start + 1;
        let b = before(input, start);
        if b.is_ascii_alphanumeric() || b == b'$' || b == b'\\' {
            continue;
        }
        let id_len = input
            .get(start + 1..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'-')
            .count();
        let Some(id) = input.get(start + 1..start + 1 + id_len) else {
            continue;
        };
        if at(input, start + 1 + id_len) != b'$' || !IDS.contains(&id) {
            continue;
        }
        let mut end = start + 1 + id_len;
        while is_hash_byte(at(input, end)) {
            end += 1;
        }
        while before(input, end) == b',' {
            end -= 1;
        }
        let body = input.get(start + 1 + id_len..end).unwrap_or_default();
        let dollars = memchr::memchr_iter(b'$', body).count();
        if dollars >= 2 && body.len() >= 12 {
            edits.push(secret(start, end, "password-hash"));
            from = end;
        }
    }
}

/// Secret assignments (anchored on `=` and `:`), e-mail addresses and URL user info (on `@`).
fn assignment_and_at_edits(input: &[u8], edits: &mut Vec<Edit>) {
    let mut from = 0;
    while let Some(i) = input
        .get(from..)
        .and_then(|r| memchr::memchr3(b'@', b'=', b':', r))
        .map(|i| from + i)
    {
        from = i + 1;
        if at(input, i) != b'@' {
            if let Some(end) = secret_at_operator(input, i, edits) {
                from = end.max(from);
            }
            continue;
        }
        if let Some(next) = userinfo(input, i, edits) {
            from = next;
            continue;
        }
        let is_local =
            |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-');
        let mut start = i;
        while start > 0 && i - start < 64 && is_local(before(input, start)) {
            start -= 1;
        }
        while start < i && at(input, start) == b'.' {
            start += 1;
        }
        if start == i {
            continue;
        }
        let is_domain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-');
        let mut end = i + 1;
        while end < input.len() && end - i < 256 && is_domain(at(input, end)) {
            end += 1;
        }
        while end > i + 1 && matches!(before(input, end), b'.' | b'-') {
            end -= 1;
        }
        let Some(domain) = input.get(i + 1..end) else {
            continue;
        };
        let Some(dot) = memchr::memrchr(b'.', domain) else {
            continue;
        };
        let tld = domain.get(dot + 1..).unwrap_or_default();
        if tld.len() < 2
            || !tld.iter().all(u8::is_ascii_alphabetic)
            || domain.starts_with(b".")
            || memmem::find(domain, b"..").is_some()
            || domain.eq_ignore_ascii_case(b"redacted.invalid")
        {
            continue;
        }
        edits.push(Edit {
            start,
            end,
            prio: 2,
            kind: Kind::Email,
        });
        from = end;
    }
}

/// `scheme://user[:password]@host`: the user becomes a username pseudonym and the password is
/// removed. Returns where to continue, or `None` if the `@` at `i` is not in URL user info.
fn userinfo(input: &[u8], i: usize, edits: &mut Vec<Edit>) -> Option<usize> {
    let stops = |b: u8| {
        b.is_ascii_whitespace()
            || matches!(
                b,
                b'/' | b'@' | b'"' | b'\'' | b'<' | b'>' | b'(' | b')' | b'[' | b']' | b'{' | b'}'
            )
    };
    let mut start = i;
    while start > 0 && !stops(before(input, start)) {
        start -= 1;
    }
    if start < 3 || input.get(start - 3..start) != Some(b"://") {
        return None;
    }
    // The user info ends at the last `@` of the authority (a password may hold `@`).
    let mut last = i;
    let mut p = i + 1;
    while p < input.len() {
        match at(input, p) {
            b'@' => last = p,
            b if b.is_ascii_whitespace()
                || matches!(b, b'/' | b'?' | b'#' | b'"' | b'\'' | b'<' | b'>') =>
            {
                break;
            }
            _ => {}
        }
        p += 1;
    }
    let info = input.get(start..last)?;
    let (user_end, password) = match memchr::memchr(b':', info) {
        Some(colon) => (start + colon, Some((start + colon + 1, last))),
        None => (last, None),
    };
    if user_end > start && !is_pseudonym(input.get(start..user_end)?) {
        edits.push(Edit {
            start,
            end: user_end,
            prio: 2,
            kind: Kind::User,
        });
    }
    if let Some((ps, pe)) = password
        && !is_left_alone(input.get(ps..pe)?)
    {
        edits.push(secret(ps, pe, "url-password"));
    }
    Some(last + 1)
}

/// `--password value`: flags holding a secret key word (anchored on `--`).
fn flag_edits(input: &[u8], edits: &mut Vec<Edit>) {
    let mut from = 0;
    for i in memmem::find_iter(input, b"--") {
        if i < from || is_word_byte(before(input, i)) {
            continue;
        }
        if let Some(end) = secret_after_flag(input, i, edits) {
            from = end;
        }
    }
}

/// Every detector of secrets that needs no known names: what [`Redactor::redact`] removes.
fn secret_edits(input: &[u8], edits: &mut Vec<Edit>) {
    context_secret_edits(input, edits);
    format_edits(input, edits);
}

/// The secrets known only by their context (a key word, a header, a command line): what
/// [`KnownSecrets::learn`] collects, since a self-identifying format is found wherever it
/// stands anyway.
fn context_secret_edits(input: &[u8], edits: &mut Vec<Edit>) {
    assignment_and_at_edits(input, edits);
    flag_edits(input, edits);
    syntax_edits(input, edits);
}

/// Secret values found once, to be removed wherever else they occur in the run (a password
/// in a config file and the same string in a log line). Filled by [`KnownSecrets::learn`]
/// from all text before redaction (the [`super::Learner`] does it); the [`Redactor`] replaces
/// every occurrence as a whole token (see `KnownSearch`).
///
/// Values shorter than 6 bytes, numbers shorter than 10 digits, single words of letters
/// shorter than 12, values with white space, paths, placeholders and what looks like code
/// (`f(x)`, `Vec<String>`, `a.b.c`, a trailing `(` `,` `;` `{`) are not kept: they would hit
/// ordinary text.
/// `Debug` shows only how many values are held.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct KnownSecrets {
    values: std::collections::BTreeMap<Vec<u8>, &'static str>,
}

impl std::fmt::Debug for KnownSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KnownSecrets({} values)", self.values.len())
    }
}

impl KnownSecrets {
    /// At most this many values are kept.
    const MAX: usize = 100_000;

    /// Finds the secrets in `text` (whole lines) by the redactor's rules and keeps their values.
    pub fn learn(&mut self, text: &[u8]) {
        let mut edits = Vec::new();
        context_secret_edits(text, &mut edits);
        for edit in edits {
            if let Kind::Secret(kind) = edit.kind
                && let Some(value) = text.get(edit.start..edit.end)
            {
                self.insert(value, kind);
            }
        }
    }

    /// Keeps `value`, a secret of kind `kind`, if it is distinctive enough to be searched for
    /// everywhere.
    pub fn insert(&mut self, value: &[u8], kind: &'static str) {
        if self.values.len() >= Self::MAX
            || value.len() < 6
            || value.len() > 1024
            || self.values.contains_key(value)
            || (value.len() < 10 && value.iter().all(u8::is_ascii_digit))
            || (value.len() < 12 && value.iter().all(u8::is_ascii_alphabetic))
            || value.iter().any(u8::is_ascii_whitespace)
            || memmem::find(value, b"\\n").is_some()
            || (value.contains(&b'(') && value.contains(&b')'))
            || matches!(
                value.first(),
                Some(b'&' | b'*' | b'[' | b'(' | b'{' | b'<' | b'.')
            )
            || matches!(
                value.last(),
                Some(b'(' | b',' | b';' | b'{' | b'[' | b']' | b'}' | b'>' | b':')
            )
            || memmem::find(value, b"::").is_some()
            || (value.contains(&b'<') && value.contains(&b'>'))
            || is_reference(value, b"")
            || value.starts_with(b"/")
            || value.starts_with(b"~/")
            || value.starts_with(b"./")
            || value.starts_with(b"../")
            || value.get(1..3) == Some(b":\\")
            || is_left_alone(value)
            || starts_with_placeholder(value)
        {
            return;
        }
        self.values.insert(value.to_vec(), kind);
    }

    /// Adds every value of `other`.
    pub fn merge(&mut self, other: KnownSecrets) {
        for (value, kind) in other.values {
            if self.values.len() >= Self::MAX {
                break;
            }
            self.values.entry(value).or_insert(kind);
        }
    }

    /// How many values are held.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether no value is held.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// The searcher for [`KnownSecrets`]. A value that starts with a word byte is looked up only
/// where a word starts (the [`WordStarts`] bit scan, a bit table of hashed first four bytes,
/// then a binary search on them); the few that start with punctuation (`)!~jfYGE1G`) go through
/// a small Aho-Corasick automaton.
struct KnownSearch {
    /// Values starting with a word byte, with their kinds, sorted by their first four bytes.
    by_head: Vec<([u8; 4], Vec<u8>, &'static str)>,
    /// Bit [`head_bit`] of each value's first four bytes: with thousands of values a table of
    /// first byte pairs let most word starts through to the binary search; this rejects all but
    /// a few percent with one load.
    heads: Vec<u64>,
    /// Values starting with punctuation, and their kinds.
    punctuated: Option<(aho_corasick::AhoCorasick, Vec<&'static str>)>,
}

impl KnownSearch {
    fn new(known: &KnownSecrets) -> Option<KnownSearch> {
        if known.is_empty() {
            return None;
        }
        let mut by_head = Vec::new();
        let mut heads = vec![0u64; HEAD_BITS / 64];
        let mut punctuated = Vec::new();
        let mut punctuated_kinds = Vec::new();
        for (value, kind) in &known.values {
            match value.get(..4) {
                Some(&[a, b, c, d]) if is_word_byte(a) => {
                    let bit = head_bit([a, b, c, d]);
                    if let Some(word) = heads.get_mut(bit / 64) {
                        *word |= 1 << (bit % 64);
                    }
                    by_head.push(([a, b, c, d], value.clone(), *kind));
                }
                _ => {
                    punctuated.push(value.clone());
                    punctuated_kinds.push(*kind);
                }
            }
        }
        // By head, then longest first.
        by_head.sort_by(|x, y| x.0.cmp(&y.0).then(y.1.len().cmp(&x.1.len())));
        let punctuated = (!punctuated.is_empty())
            .then(|| {
                aho_corasick::AhoCorasick::builder()
                    .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                    .build(&punctuated)
                    .ok()
            })
            .flatten()
            .map(|searcher| (searcher, punctuated_kinds));
        Some(KnownSearch {
            by_head,
            heads,
            punctuated,
        })
    }

    /// Every occurrence in `input` that stands as a whole token.
    fn edits(&self, input: &[u8], edits: &mut Vec<Edit>) {
        let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        let ends_token = |end: usize| !(is_word(before(input, end)) && is_word(at(input, end)));
        if !self.by_head.is_empty() {
            for start in WordStarts::new(input) {
                let Some(&[a, b, c, d]) = input.get(start..start + 4) else {
                    continue;
                };
                let bit = head_bit([a, b, c, d]);
                if self
                    .heads
                    .get(bit / 64)
                    .is_none_or(|word| word & (1 << (bit % 64)) == 0)
                {
                    continue;
                }
                let head = [a, b, c, d];
                let first = self.by_head.partition_point(|entry| entry.0 < head);
                let found = self
                    .by_head
                    .get(first..)
                    .unwrap_or_default()
                    .iter()
                    .take_while(|entry| entry.0 == head)
                    .find(|(_, value, _)| {
                        input.get(start..start + value.len()) == Some(value.as_slice())
                            && ends_token(start + value.len())
                    });
                if let Some((_, value, kind)) = found {
                    edits.push(secret(start, start + value.len(), kind));
                }
            }
        }
        if let Some((searcher, kinds)) = &self.punctuated {
            for hit in searcher.find_iter(input) {
                let (start, end) = (hit.start(), hit.end());
                if !ends_token(end) {
                    continue;
                }
                let kind = kinds
                    .get(hit.pattern().as_usize())
                    .copied()
                    .unwrap_or("secret-value");
                edits.push(secret(start, end, kind));
            }
        }
    }
}

/// Bits in [`KnownSearch::heads`].
const HEAD_BITS: usize = 1 << 18;

/// A value's place in [`KnownSearch::heads`]: its first four bytes hashed (multiply-shift).
fn head_bit(head: [u8; 4]) -> usize {
    (u32::from_le_bytes(head).wrapping_mul(0x9E37_79B1) >> (32 - 18)) as usize
}

/// IPv4 (anchored on `.`), IPv6 and colon MACs (on `:`), dash MACs (on `-`).
fn punctuation_edits(input: &[u8], edits: &mut Vec<Edit>) {
    let mut from = 0;
    while let Some(i) = input
        .get(from..)
        .and_then(|r| memchr::memchr3(b'.', b':', b'-', r))
        .map(|i| from + i)
    {
        from = i + 1;
        match at(input, i) {
            b'.' => {
                if !before(input, i).is_ascii_digit() {
                    continue;
                }
                let mut start = i - 1;
                while start > 0 && i - start < 4 && at(input, start - 1).is_ascii_digit() {
                    start -= 1;
                }
                if let Some((end, address)) = ipv4_at(input, start) {
                    if !ipv4_left_alone(address) {
                        edits.push(Edit {
                            start,
                            end,
                            prio: 2,
                            kind: Kind::Ipv4(address),
                        });
                    }
                    from = end;
                }
            }
            b':' => {
                let (b0, b1) = (before(input, i), at(input, i + 1));
                if !(b0.is_ascii_hexdigit() || b0 == b':' || b1.is_ascii_hexdigit() || b1 == b':') {
                    continue;
                }
                let pushed = edits.len();
                if let Some(next) = colon_run(input, i, edits) {
                    from = next.max(i + 1);
                    // A run that was no address may end in one: `addr:10.0.0.1`.
                    if edits.len() == pushed
                        && let Some(dot) =
                            memchr::memchr(b'.', input.get(i..next).unwrap_or_default())
                    {
                        from = i + dot;
                    }
                }
            }
            _ => {
                // `-`: a dash MAC starts two bytes earlier.
                if i >= 2
                    && let Some(bytes) = mac_at(input, i - 2, b'-')
                {
                    if !mac_left_alone(&bytes) {
                        edits.push(Edit {
                            start: i - 2,
                            end: i + 15,
                            prio: 2,
                            kind: Kind::Mac(bytes),
                        });
                    }
                    from = i + 15;
                }
            }
        }
    }
}

/// A dotted quad starting at `start` with its boundaries checked; the end (before any
/// `/prefix`, which is kept as written) and the address.
///
/// Not an address: one preceded by a letter, digit, `.`, `_` or `-` (`v1.2.3.4`,
/// `agent-1.2.3.4`), or followed by a letter, digit, `_`, `.digit`, `+`, `~` or `-digit`
/// (`120.0.6099.109`, Debian versions `1.3.239.0-1` and `8:6.9.11.60+dfsg`). An address range
/// `10.0.0.1-10.0.0.9` is the exception: both ends are addresses.
fn ipv4_at(input: &[u8], start: usize) -> Option<(usize, u32)> {
    let b = before(input, start);
    let block_pool = b == b'-' && in_block_pool_id(input, start);
    if !block_pool
        && (b.is_ascii_alphanumeric()
            || matches!(b, b'.' | b'_' | b'~')
            || (b == b'-' && !quad_ends_at(input, start - 1)))
    {
        return None;
    }
    let (p, address) = dotted_quad(input, start)?;
    let after = at(input, p);
    let next = at(input, p + 1);
    if after.is_ascii_alphanumeric()
        || matches!(after, b'_' | b'+' | b'~')
        || (after == b'.' && next.is_ascii_digit())
        || (after == b'-'
            && next.is_ascii_digit()
            && !block_pool
            && dotted_quad(input, p + 1).is_none())
        || after_version_word(input, start)
    {
        return None;
    }
    Some((p, address))
}

/// Whether the quad at `start` follows `BP-<digits>-` (an HDFS block-pool id).
fn in_block_pool_id(input: &[u8], start: usize) -> bool {
    let mut p = start - 1;
    let mut digits = 0;
    while p > 0 && before(input, p).is_ascii_digit() {
        p -= 1;
        digits += 1;
    }
    digits > 0 && p >= 3 && input.get(p - 3..p) == Some(b"BP-")
}

/// Whether the word before `start` (past spaces, `:`, `=`, `(`) names a version: `version`,
/// `ver`, `v`, `build`, `release`, `firmware`, `fw`, `package`, `rev`, `revision`.
fn after_version_word(input: &[u8], start: usize) -> bool {
    let mut p = start;
    while p > 0
        && matches!(
            before(input, p),
            b' ' | b':' | b'=' | b'(' | b'"' | b'\'' | b'\t'
        )
    {
        p -= 1;
    }
    if p == start {
        return false;
    }
    let mut w = p;
    while w > 0 && before(input, w).is_ascii_alphabetic() {
        w -= 1;
    }
    let word = input.get(w..p).unwrap_or_default().to_ascii_lowercase();
    // A key that ends in `Version` (`SerializationVersion:`, `productVersion=`, `agent_version`).
    if word.len() > 7 && word.ends_with(b"version") {
        let first = input.get(p - 7).copied().unwrap_or(0);
        let last = input.get(p - 8).copied().unwrap_or(0);
        if first.is_ascii_uppercase() && last.is_ascii_lowercase() {
            return true;
        }
    }
    if matches!(before(input, w), b'_' | b'-' | b'.') && word == b"version" {
        return true;
    }
    [
        &b"version"[..],
        b"ver",
        b"v",
        b"build",
        b"release",
        b"firmware",
        b"fw",
        b"package",
        b"rev",
        b"revision",
        b"versions",
    ]
    .contains(&word.as_slice())
}

/// Four dot-separated decimal octets 0-255 without leading zeros at `start`, boundaries not
/// checked: the end and the address.
fn dotted_quad(input: &[u8], start: usize) -> Option<(usize, u32)> {
    let mut p = start;
    let mut address = 0u32;
    for octet in 0..4 {
        if octet > 0 {
            if at(input, p) != b'.' {
                return None;
            }
            p += 1;
        }
        let digits_start = p;
        let mut value = 0u32;
        while p - digits_start < 4 && at(input, p).is_ascii_digit() {
            value = value * 10 + u32::from(at(input, p) - b'0');
            p += 1;
        }
        let len = p - digits_start;
        if len == 0 || len > 3 || value > 255 || (len > 1 && at(input, digits_start) == b'0') {
            return None;
        }
        address = address << 8 | value;
    }
    let after = at(input, p);
    if after.is_ascii_digit() || (after == b'.' && at(input, p + 1).is_ascii_digit()) {
        return None;
    }
    Some((p, address))
}

/// Whether a dotted quad ends exactly at `end` (the first half of a range `a.b.c.d-e.f.g.h`).
fn quad_ends_at(input: &[u8], end: usize) -> bool {
    let mut start = end;
    while start > 0 && end - start < 15 && matches!(before(input, start), b'0'..=b'9' | b'.') {
        start -= 1;
    }
    dotted_quad(input, start).is_some_and(|(e, _)| e == end)
}

fn ipv4_left_alone(address: u32) -> bool {
    let first = address >> 24;
    first == 127
        || first == 0
        || first >= 240
        || (first == 255 && address.leading_ones() + address.trailing_zeros() == 32)
}

/// A run of hex digits and colons around the `:` at `i`: an IPv6 address or a colon MAC.
/// Returns where the run ends.
fn colon_run(input: &[u8], i: usize, edits: &mut Vec<Edit>) -> Option<usize> {
    let mut start = i;
    while start > 0 && (before(input, start).is_ascii_hexdigit() || before(input, start) == b':') {
        start -= 1;
    }
    let mut end = i + 1;
    while end < input.len()
        && (at(input, end).is_ascii_hexdigit() || matches!(at(input, end), b':' | b'.'))
    {
        end += 1;
    }
    while end > i + 1 && before(input, end) == b'.' {
        end -= 1;
    }
    let run_end = end;
    if before(input, end) == b':' && before(input, end - 1) != b':' {
        end -= 1;
    }
    // `v6(en0+:2607:f8b0::1)`: a single colon before the address is punctuation.
    if at(input, start) == b':' && at(input, start + 1) != b':' && start + 1 < end {
        start += 1;
    }
    let mut left = before(input, start);
    if left.is_ascii_alphanumeric()
        && let Some(after_name) = interface_prefix(input, start, end)
    {
        // `en0:2607:f8b0::1`: an interface name glued to the address with a colon.
        start = after_name;
        left = b':';
    }
    if left.is_ascii_alphanumeric() || matches!(left, b'_' | b'.') {
        return Some(run_end);
    }
    let right = at(input, end);
    if right.is_ascii_alphanumeric() || right == b'_' {
        return Some(run_end);
    }
    let candidate = input.get(start..end)?;
    if candidate.len() == 17
        && let Some(bytes) = mac_at(input, start, b':')
    {
        if !mac_left_alone(&bytes) {
            edits.push(Edit {
                start,
                end,
                prio: 2,
                kind: Kind::Mac(bytes),
            });
        }
        return Some(run_end);
    }
    let compressed = memmem::find(candidate, b"::").is_some();
    let colons = memchr::memchr_iter(b':', candidate).count();
    if !compressed && colons != 7 && !(colons == 6 && candidate.contains(&b'.')) {
        return Some(run_end);
    }
    let mut groups = 0;
    let mut long_group = false;
    let mut all_pairs = true;
    for group in candidate.split(|&b| b == b':').filter(|g| !g.is_empty()) {
        groups += 1;
        long_group |= group.len() >= 3;
        all_pairs &= group.len() == 2;
    }
    if (groups < 3 && !long_group) || (!compressed && all_pairs) {
        return Some(run_end);
    }
    let text = std::str::from_utf8(candidate).ok()?;
    let Ok(address) = text.parse::<Ipv6Addr>() else {
        return Some(run_end);
    };
    let value = u128::from(address);
    let [h0, h1, ..] = address.segments();
    if address.is_loopback() || address.is_unspecified() || (h0 == 0x2001 && h1 == 0x0db8) {
        return Some(run_end);
    }
    edits.push(Edit {
        start,
        end,
        prio: 2,
        kind: Kind::Ipv6(value),
    });
    Some(run_end)
}

/// Where the address starts when the colon run at `start..end` begins with the tail of an
/// interface name and a colon (`en0:`, `eth1:`, `utun3:`): letters then digits.
fn interface_prefix(input: &[u8], start: usize, end: usize) -> Option<usize> {
    let colon = start + memchr::memchr(b':', input.get(start..end)?)?;
    let mut w = start;
    while w > 0 && before(input, w).is_ascii_alphanumeric() {
        w -= 1;
    }
    if is_word_byte(before(input, w)) || before(input, w) == b'.' {
        return None;
    }
    let name = input.get(w..colon)?;
    let letters = name.iter().take_while(|b| b.is_ascii_lowercase()).count();
    let digits = name.get(letters..)?;
    (letters >= 2 && !digits.is_empty() && digits.iter().all(u8::is_ascii_digit))
        .then_some(colon + 1)
}

/// `hh<sep>hh<sep>hh<sep>hh<sep>hh<sep>hh` at `start`, not inside a longer hex run.
fn mac_at(input: &[u8], start: usize, separator: u8) -> Option<[u8; 6]> {
    let text = input.get(start..start + 17)?;
    let left = before(input, start);
    let right = at(input, start + 17);
    if left.is_ascii_alphanumeric() || matches!(left, b'_' | b':' | b'-' | b'.') {
        return None;
    }
    if right.is_ascii_alphanumeric()
        || right == b'_'
        || ((right == b':' || right == b'-') && at(input, start + 18).is_ascii_hexdigit())
    {
        return None;
    }
    let mut bytes = [0u8; 6];
    for (n, slot) in bytes.iter_mut().enumerate() {
        let pair = text.get(n * 3..n * 3 + 2)?;
        if n > 0 && text.get(n * 3 - 1) != Some(&separator) {
            return None;
        }
        let hex = std::str::from_utf8(pair).ok()?;
        if !pair.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        *slot = u8::from_str_radix(hex, 16).ok()?;
    }
    Some(bytes)
}

fn mac_left_alone(bytes: &[u8; 6]) -> bool {
    bytes.iter().all(|&b| b == 0) || bytes.iter().all(|&b| b == 0xff)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> PseudonymKey {
        PseudonymKey::import(&format!(
            "casefile-key-v1:{}",
            format!("{byte:02x}").repeat(32)
        ))
        .expect("key")
    }

    fn names() -> Names {
        let mut names = Names::default();
        for host in ["web01", "web01.corp.example", "prod"] {
            names.hostnames.insert(host.to_owned());
        }
        names.usernames.insert("alice".to_owned());
        names.keywords.insert("Project Falcon".to_owned());
        names
    }

    fn redactor() -> Redactor {
        Redactor::new(&key(1), &names())
    }

    fn run(text: &str) -> (String, Found) {
        let mut found = Found::default();
        let out = redactor().redact_text(text, &mut found);
        (out, found)
    }

    fn red(text: &str) -> String {
        run(text).0
    }

    /// Text that must come out byte-identical.
    fn check_untouched(text: &str) {
        assert_eq!(red(text), text, "changed: {text:?}");
    }

    /// `text` must come out as `expected`.
    fn check(text: &str, expected: &str) {
        assert_eq!(red(text), expected, "input: {text:?}");
    }

    /// Each `(input, expected)` pair through [`check`].
    fn check_all(cases: &[(&str, &str)]) {
        for (input, expected) in cases {
            check(input, expected);
        }
    }

    #[test]
    fn makefile_go_php_and_logstash_assignments_are_removed() {
        check_all(&[
            ("DB_PASSWORD ?= mk1FAKE", "DB_PASSWORD ?= [REDACTED]"),
            ("API_TOKEN := mk2FAKE", "API_TOKEN := [REDACTED]"),
            ("SECRET ::= mk3FAKE", "SECRET ::= [REDACTED]"),
            ("PASSWORD += mk4FAKE", "PASSWORD += [REDACTED]"),
            ("\tpassword := \"go1FAKE\"", "\tpassword := \"[REDACTED]\""),
            ("\ttoken := `go2FAKE`", "\ttoken := `[REDACTED]`"),
            (
                "var apiSecret string = \"go3FAKE\"",
                "var apiSecret string = \"[REDACTED]\"",
            ),
            (
                "\tPassword string `env:\"DB_PASSWORD\" default:\"go4FAKE\"`",
                "\tPassword string `env:\"DB_PASSWORD\" default:\"[REDACTED]\"`",
            ),
            ("$password .= 'php1FAKE';", "$password .= '[REDACTED]';"),
            (
                "$cfg = ['password' => 'php2FAKE', 'x' => 1];",
                "$cfg = ['password' => '[REDACTED]', 'x' => 1];",
            ),
            (
                "  \"password\" => \"ls1FAKE\"",
                "  \"password\" => \"[REDACTED]\"",
            ),
        ]);
        check_untouched("\tHost string `default:\"localhost\"`\nx := y\ncount += 1");
    }

    #[test]
    fn typed_declarations_and_call_arguments_are_removed() {
        check_all(&[
            (
                "String password = \"cs1FAKE\";",
                "String password = \"[REDACTED]\";",
            ),
            (
                "val apiToken: String = \"kt1FAKE\"",
                "val apiToken: String = \"[REDACTED]\"",
            ),
            (
                "System.setProperty(\"X_TOKEN\", \"jv1FAKE\");",
                "System.setProperty(\"X_TOKEN\", \"[REDACTED]\");",
            ),
            (
                "os.environ[\"DB_PASSWORD\"] = \"py1FAKE\"",
                "os.environ[\"DB_PASSWORD\"] = \"[REDACTED]\"",
            ),
            (
                "setenv(\"API_TOKEN\", \"c1FAKE\", 1);",
                "setenv(\"API_TOKEN\", \"[REDACTED]\", 1);",
            ),
            (
                "config.set('password', 'cfg1FAKE')",
                "config.set('password', '[REDACTED]')",
            ),
            (
                "-Djavax.net.ssl.keyStorePassword=jks1FAKE -Dx=1",
                "-Djavax.net.ssl.keyStorePassword=[REDACTED] -Dx=1",
            ),
        ]);
        check_untouched("log(\"password\", count) and [\"a\", \"b\"] and f(\"token\", x)");
    }

    #[test]
    fn toml_properties_ini_shell_and_dockerfile_assignments_are_removed() {
        check_all(&[
            (
                "[db]\npassword = \"toml1FAKE\"",
                "[db]\npassword = \"[REDACTED]\"",
            ),
            ("db.password=props1FAKE", "db.password=[REDACTED]"),
            (
                "export DB_PASSWORD=sh1FAKE",
                "export DB_PASSWORD=[REDACTED]",
            ),
            ("ENV API_TOKEN=docker1FAKE", "ENV API_TOKEN=[REDACTED]"),
            ("ENV API_TOKEN docker2FAKE", "ENV API_TOKEN [REDACTED]"),
        ]);
        check_untouched("ENV PATH /usr/local/bin");
    }

    #[test]
    fn run_together_and_digit_ending_keys_are_secret_keys() {
        check_all(&[
            (
                "{\"bot_token1\": \"d1FAKE\"}",
                "{\"bot_token1\": \"[REDACTED]\"}",
            ),
            ("x pass1=d2FAKE y", "x pass1=[REDACTED] y"),
            ("x accesstoken=rt1FAKE y", "x accesstoken=[REDACTED] y"),
            ("x DBPASSWORD=rt2FAKE y", "x DBPASSWORD=[REDACTED] y"),
            ("x authtoken: rt3FAKE y", "x authtoken: [REDACTED] y"),
            ("x clientsecret=rt4FAKE y", "x clientsecret=[REDACTED] y"),
            ("x secretkey=rt5FAKE y", "x secretkey=[REDACTED] y"),
            ("x PGPASSWORD=rt6FAKE psql", "x PGPASSWORD=[REDACTED] psql"),
            ("x XMLPassword=rt7FAKE y", "x XMLPassword=[REDACTED] y"),
            ("x-functions-key: rt8FAKE", "x-functions-key: [REDACTED]"),
            (
                "x SEGMENT_WRITE_KEY=rt9FAKE y",
                "x SEGMENT_WRITE_KEY=[REDACTED] y",
            ),
            ("x serverkey=rt10FAKE y", "x serverkey=[REDACTED] y"),
        ]);
        // Still plain words: a key word must be a component or a known compound.
        check_untouched(
            "nopassword=abcFAKE123 mysecretary=Joan libsecret=1 bypass=yes monkey=1 hotkey=F5",
        );
    }

    #[test]
    fn keys_that_describe_a_secret_are_not_secret_keys() {
        check_untouched(
            "token_ttl=3600 password_file=run-FAKE SharedAccessKeyName=RootManage secret_name=db-creds",
        );
        check_untouched("{\"token_expires_in\": 3600, \"password_changed_at\": \"2026-11-23\"}");
        check_untouched("<Data Name='PasswordLastSet'>%%1794</Data>");
        check_untouched("imagePullSecrets:\n  - name: regcred\nsecret:\n  secretName: app-tls\n");
    }

    #[test]
    fn command_line_passwords_are_removed() {
        check_all(&[
            (
                "curl -u admin:curl1FAKE https://x",
                "curl -u admin:[REDACTED] https://x",
            ),
            (
                "curl --user 'admin:curl2FAKE' https://x",
                "curl --user 'admin:[REDACTED]' https://x",
            ),
            ("mysql -pmy1FAKE -u root", "mysql -p[REDACTED] -u root"),
            (
                "mysqldump --password=my2FAKE db",
                "mysqldump --password=[REDACTED] db",
            ),
            (
                "sshpass -p ssh1FAKE ssh host",
                "sshpass -p [REDACTED] ssh host",
            ),
            (
                "machine h.example login bob password netrc1FAKE",
                "machine h.example login bob password [REDACTED]",
            ),
            (
                "machine h.example\n  login bob\n  password netrc2FAKE\n",
                "machine h.example\n  login bob\n  password [REDACTED]\n",
            ),
            (
                "redis-cli -a redis1FAKE ping",
                "redis-cli -a [REDACTED] ping",
            ),
        ]);
        check_untouched("docker run -u 1000:1000 img\nmysql -p -u root\ncurl -u $USER:$PASS x");
    }

    #[test]
    fn nested_json_and_yaml_values_are_removed() {
        check_all(&[
            (
                "{\"password\": {\"value\": \"nest1FAKE\"}, \"n\": 1}",
                "{\"password\": {\"value\": \"[REDACTED]\"}, \"n\": 1}",
            ),
            (
                "{\"password\": [\"nest2FAKE\", 42]}",
                "{\"password\": [\"[REDACTED]\", [REDACTED]]}",
            ),
            (
                "password: |\n  block1FAKE\n  block2FAKE\nother: 1\n",
                "password: |\n  [REDACTED]\n  [REDACTED]\nother: 1\n",
            ),
            (
                "  token: >-\n    folded1FAKE\n\n    folded2FAKE\n  next: 2\n",
                "  token: >-\n    [REDACTED]\n\n    [REDACTED]\n  next: 2\n",
            ),
            (
                "credentials:\n  user: bob\n  password: \"map1FAKE\"\n  - list1FAKE\nend: 1\n",
                "credentials:\n  user: [REDACTED]\n  password: \"[REDACTED]\"\n  - [REDACTED]\nend: 1\n",
            ),
            (
                "env:\n  - name: DB_PASSWORD\n    value: k8s1FAKE\n",
                "env:\n  - name: DB_PASSWORD\n    value: [REDACTED]\n",
            ),
        ]);
        check_untouched("password:\nnext: 1\npassword: {}\n");
    }

    #[test]
    fn signed_url_parameters_are_removed_when_they_look_random() {
        check_all(&[
            (
                "/c?sv=2020&sig=sigFAKE1234567890abcdefABC%3D&se=2",
                "/c?sv=2020&sig=[REDACTED]&se=2",
            ),
            (
                "?X-Amz-Credential=AKFAKE%2F2020&X-Amz-Signature=9f8e7d6c5b4aFAKE3b2c1d0e9f8a7b6c",
                "?X-Amz-Credential=[REDACTED]&X-Amz-Signature=[REDACTED]",
            ),
            (
                "https://maps.googleapis.com/api?key=AIzaFAKEFAKE1234567890abcdefgh",
                "https://maps.googleapis.com/api?key=[REDACTED]",
            ),
            (
                "/api/x?code=codeFAKE1234567890abcdef==",
                "/api/x?code=[REDACTED]",
            ),
        ]);
        check_untouched(
            "status code=200 key=value ?code=200&key=short sig=abc signature: verified",
        );
    }

    #[test]
    fn connection_strings_lose_keys_signatures_and_passwords() {
        check_all(&[
            (
                "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=azFAKEkey==;EndpointSuffix=core",
                "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=[REDACTED];EndpointSuffix=core",
            ),
            (
                "Endpoint=sb://x/;SharedAccessKeyName=Root;SharedAccessKey=sakFAKE=",
                "Endpoint=sb://x/;SharedAccessKeyName=Root;SharedAccessKey=[REDACTED]",
            ),
            (
                "BlobEndpoint=x;SharedAccessSignature=sv=2020&sig=sasFAKE;x=1",
                "BlobEndpoint=x;SharedAccessSignature=[REDACTED];x=1",
            ),
            (
                "Server=db;Password=\"a;b,cFAKE\";Encrypt=true",
                "Server=db;Password=\"[REDACTED]\";Encrypt=true",
            ),
        ]);
    }

    #[test]
    fn basic_credentials_and_multi_line_strings_are_removed() {
        check_all(&[
            (
                "401 for Basic dXNlcjpGQUtFcHc= (retrying)",
                "401 for Basic [REDACTED] (retrying)",
            ),
            (
                "password = \"\"\"multi\nline FAKE\"\"\"\nnext = 1",
                "password = \"\"\"[REDACTED]\"\"\"\nnext = 1",
            ),
        ]);
        check_untouched("Basic authentication failed; Basic Realm and Basic dGVzdGluZw==");
    }

    #[test]
    fn cookie_values_are_removed_and_names_kept() {
        check_all(&[
            (
                "Cookie: session=cookie1FAKE; theme=dark",
                "Cookie: session=[REDACTED]; theme=[REDACTED]",
            ),
            (
                "Set-Cookie: JSESSIONID=cookie2FAKE; Path=/; HttpOnly",
                "Set-Cookie: JSESSIONID=[REDACTED]; Path=/; HttpOnly",
            ),
            (
                "curl -H 'Cookie: sid=cookie3FAKE' https://x",
                "curl -H 'Cookie: sid=[REDACTED]' https://x",
            ),
            ("X-Api-Key: xapi1FAKE", "X-Api-Key: [REDACTED]"),
            (
                "Proxy-Authorization: Basic cHJveHk6RkFLRQ==",
                "Proxy-Authorization: [REDACTED]",
            ),
        ]);
    }

    #[test]
    fn xml_elements_and_named_values_are_removed() {
        check_all(&[
            (
                "<Password>xml1FAKE</Password>",
                "<Password>[REDACTED]</Password>",
            ),
            (
                "<ns:ApiToken a=\"1\">xml2FAKE</ns:ApiToken>",
                "<ns:ApiToken a=\"1\">[REDACTED]</ns:ApiToken>",
            ),
            (
                "<add key=\"DbPassword\" value=\"xml3FAKE\"/>",
                "<add key=\"DbPassword\" value=\"[REDACTED]\"/>",
            ),
            (
                "<input name=\"password\" value=\"xml4FAKE\">",
                "<input name=\"password\" value=\"[REDACTED]\">",
            ),
            (
                "<Data Name='Password'>xml5FAKE</Data>",
                "<Data Name='Password'>[REDACTED]</Data>",
            ),
        ]);
        check_untouched(
            "<Password/><Password></Password><Name>x</Name><add key=\"Host\" value=\"db\"/>",
        );
    }

    #[test]
    fn docker_auth_and_kubeconfig_key_data_are_removed() {
        check_all(&[
            (
                "{\"auths\":{\"r\":{\"auth\":\"ZG9ja2VyOkZBS0U=\"}}}",
                "{\"auths\":{\"r\":{\"auth\":\"[REDACTED]\"}}}",
            ),
            (
                "    client-key-data: LS0tFAKEkeydata",
                "    client-key-data: [REDACTED]",
            ),
            ("    token: kube1FAKE", "    token: [REDACTED]"),
        ]);
        check_untouched("auth: required\n    client-certificate-data: LS0tCERT");
    }

    #[test]
    fn crypt_hashes_are_removed() {
        check_all(&[
            (
                "root:$6$saltFAKE$hashFAKEhashFAKE:19000:0:99999:7:::",
                "root:[REDACTED]:19000:0:99999:7:::",
            ),
            ("u:$y$j9T$saltFAKE$hashFAKE:1:::", "u:[REDACTED]:1:::"),
            ("u:$1$saltFAKE$hashFAKEhash:1:::", "u:[REDACTED]:1:::"),
            ("u:$5$saltFAKE$hashFAKEhash:1:::", "u:[REDACTED]:1:::"),
            (
                "hash $2b$12$FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE ok",
                "hash [REDACTED] ok",
            ),
            (
                "h=$argon2id$v=19$m=65536,t=3,p=4$c2FsdEZBS0U$aGFzaEZBS0U",
                "h=[REDACTED]",
            ),
            (
                "$pbkdf2-sha256$29000$c2FsdEZBS0U$aGFzaEZBS0UhashFAKE",
                "[REDACTED]",
            ),
        ]);
        check_untouched("echo $HOME $1 $5 costs $6$ and a$1$b$c$d and \\$6$x$y");
    }

    #[test]
    fn the_pseudonym_key_line_is_removed() {
        let line = format!("casefile-key-v1:{}", "0f".repeat(32));
        check(&line, "casefile-key-v1:[REDACTED]");
        let (_, found) = run(&line);
        assert_eq!(found.secret_kinds.get("casefile-key"), Some(&1));
    }

    #[test]
    fn values_starting_with_punctuation_or_holding_commas_are_removed() {
        check_all(&[
            ("password: )!~jfYGE1G", "password: [REDACTED]"),
            ("x password: )!~jfYGE1G y", "x password: [REDACTED] y"),
            ("x password=abc,def&ghi y", "x password=[REDACTED] y"),
            ("x password=abc,mode=bob", "x password=[REDACTED],mode=bob"),
            ("f(password=)", "f(password=)"),
        ]);
    }

    #[test]
    fn placeholders_and_code_references_stay() {
        for text in [
            "password: ${DB_PASSWORD}",
            "password: \"${DB_PASSWORD:-}\"",
            "password=$DB_PASSWORD",
            "token=%TOKEN%",
            "password: {{ .Values.password }}",
            "password=<your-password>",
            "token: <token>",
            "password = var.db_password",
            "password=xxxxxxxx",
            "api_key=sk-xxxxxxxxxxxxxxxx",
            "secret = local.secret",
            "secret_len = X25519.secret_length",
            "token = process.env.API_TOKEN",
            "password = os.getenv(\"DB_PASSWORD\")",
            "SECRET_KEY = settings.SECRET_KEY",
            "password=changeme",
            "password: YOUR_PASSWORD_HERE",
            "token=ab12****",
            "password: $(cat /run/secrets/db)",
            "x token=%(adafruit_key)s y",
            "x api_key=<ADAFRUIT_KEY>&page=2",
            "x api_key=sk_live_0000000000000000000000 y",
            "x api_key=abcdefghijklmnopqrstuvwxyz123456 y",
            "x secret_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY y",
            "export API_TOKEN=\"var.datadog_api_key\"",
            "x token: \"secrets.GITHUB_TOKEN\" y",
            "x DB_PASSWORD = os.environ.get(\"1PASSWORD\") y",
        ] {
            check_untouched(text);
        }
        check("x password=hunter2.FAKE y", "x password=[REDACTED] y");
        check(
            "x token=dp.pt.iyakrj5ht1avoyrFAKE3d7ec24pvkgy3h2ir y",
            "x token=[REDACTED] y",
        );
        check(
            "x token=hbj7fk8le9iAAAAAAAAAAir26800fb7z9FAKE y",
            "x token=[REDACTED] y",
        );
    }

    #[test]
    fn code_blocks_match_arms_and_prose_are_not_values() {
        for text in [
            "match kind {\n    Stem::Pass => {\n        after.is_empty()\n    }\n}",
            "let token = {\n    compute(a, b)\n};",
            "const auth = {\n  user: 'x',\n};",
            "it runs on the machine and then\nthe password prompt waits for input",
        ] {
            check_untouched(text);
        }
    }

    #[test]
    fn only_distinctive_values_are_searched_for_everywhere() {
        let mut known = KnownSecrets::default();
        known.learn(
            b"secret: Vec<String>,\ntoken: Secret::new(x)\nauth: &[String]\npassword: 123456\n\
              passwd: two words\npassword: sunshine\nkey_password: /etc/key.pem\n\
              password: ${DB}\npassword: )!~jfYGE1G\n",
        );
        assert_eq!(known.len(), 1, "{known:?}");
    }

    #[test]
    fn a_secret_found_once_is_removed_everywhere() {
        let mut learner = crate::redact::Learner::new();
        learner.feed(b"config:\n  password: )!~jfYGE1G\n");
        learner.feed(b"token=short\nid=123456\n");
        let mut names = names();
        names.merge(learner.finish());
        assert_eq!(names.secrets.len(), 1, "{:?}", names.secrets);
        assert!(
            !format!("{names:?}").contains("jfYGE1G"),
            "Debug hides values"
        );
        let redactor = Redactor::new(&key(1), &names);
        let mut found = Found::default();
        let out = redactor.redact_text(
            "login with )!~jfYGE1G failed; \")!~jfYGE1G\" x)!~jfYGE1G, x)!~jfYGE1Gz id 123456",
            &mut found,
        );
        assert_eq!(
            out,
            "login with [REDACTED] failed; \"[REDACTED]\" x[REDACTED], x)!~jfYGE1Gz id 123456"
        );
        assert_eq!(found.secret_kinds.get("password"), Some(&3));
        let mut learner = crate::redact::Learner::new();
        learner.feed(b"x token=abc123FAKEzz y\n");
        let redactor = Redactor::new(&key(1), &learner.finish());
        assert_eq!(
            redactor.redact_text(
                "sent abc123FAKEzz, (abc123FAKEzz) xabc123FAKEzz abc123FAKEzzz",
                &mut Found::default()
            ),
            "sent [REDACTED], ([REDACTED]) xabc123FAKEzz abc123FAKEzzz"
        );
    }

    #[test]
    fn every_secret_key_word_is_found_as_a_key() {
        for (stem, _) in STEMS {
            // (A bare upper-case `PWD` is the working-folder variable, not a secret.)
            for key in [
                stem.to_string(),
                format!("db_{stem}"),
                format!("DB_{}", stem.to_uppercase()),
            ] {
                assert!(
                    find_stem(key.as_bytes()).is_some(),
                    "{key:?} is not a secret key"
                );
            }
        }
    }

    #[test]
    fn removed_secrets_are_counted_by_kind_without_their_values() {
        let (_, found) = run(concat!(
            "password=hunter2-FAKE\ntoken=abcFAKE123\n",
            "Authorization: Bearer FAKEtoken12345\n",
            "id AKIAFAKEFAKEFAKE1234\n",
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEFAKE\nMIIEFAKE\n-----END RSA PRIVATE KEY-----\n",
        ));
        let kinds: Vec<(&str, u64)> = found.secret_kinds.into_iter().collect();
        assert_eq!(
            kinds,
            [
                ("authorization", 1),
                ("aws-access-key-id", 1),
                ("password", 1),
                ("private-key", 1),
                ("secret-value", 1),
            ]
        );
    }

    #[test]
    fn secrets_in_every_assignment_form_are_removed() {
        for (input, expected) in [
            ("password=hunter2-FAKE", "password=[REDACTED]"),
            (
                "x db_password = hunter2-FAKE y",
                "x db_password = [REDACTED] y",
            ),
            ("  Password: hunter2-FAKE", "  Password: [REDACTED]"),
            (
                "{\"api_key\": \"AbC123FAKE\", \"n\": 1}",
                "{\"api_key\": \"[REDACTED]\", \"n\": 1}",
            ),
            (
                "checkin failed: 401; connectKey=FAKE-jc-key-1",
                "checkin failed: 401; connectKey=[REDACTED]",
            ),
            ("JC_CONNECT_KEY=FAKE-jc-key-2", "JC_CONNECT_KEY=[REDACTED]"),
            (
                "--connect-key=FAKE-jc-key-3 --x",
                "--connect-key=[REDACTED] --x",
            ),
            (
                "{\"pin_token\":123456,\"x\":2}",
                "{\"pin_token\":[REDACTED],\"x\":2}",
            ),
            (
                "[db]\npasswd = two words FAKE\n",
                "[db]\npasswd = [REDACTED]\n",
            ),
            (
                "GET /cb?token=abcFAKE123&next=1 HTTP/1.1",
                "GET /cb?token=[REDACTED]&next=1 HTTP/1.1",
            ),
            (
                "run tool --password hunter2-FAKE --v",
                "run tool --password [REDACTED] --v",
            ),
            (
                "run tool --client-secret=s3cr3tFAKE",
                "run tool --client-secret=[REDACTED]",
            ),
            (
                "Server=db;User Id=sa;Password=hunter2-FAKE;Encrypt=true",
                "Server=db;User Id=sa;Password=[REDACTED];Encrypt=true",
            ),
            (
                "log password = \"two words\" end",
                "log password = \"[REDACTED]\" end",
            ),
            (
                "x aws_secret_access_key='q w e'",
                "x aws_secret_access_key='[REDACTED]'",
            ),
            ("x AccessKey=FAKEKEY123 y", "x AccessKey=[REDACTED] y"),
            ("x private_key: FAKEPRIV y", "x private_key: [REDACTED] y"),
            ("x credentials=FAKECRED y", "x credentials=[REDACTED] y"),
            ("x auth-key=FAKEAUTH y", "x auth-key=[REDACTED] y"),
            ("x api key: FAKEAPI y", "x api key: [REDACTED] y"),
            ("x pwd=FAKEPWD1 y", "x pwd=[REDACTED] y"),
            (
                "msg=\"{\\\"password\\\":\\\"hunter2-FAKE\\\"}\"",
                "msg=\"{\\\"password\\\":\\\"[REDACTED]\\\"}\"",
            ),
        ] {
            check(input, expected);
        }
        let (_, found) = run("x password=hunter2-FAKE token=abc");
        assert_eq!(found.counts.get(Category::Secret), 2);
        assert!(found.secrets.contains(b"hunter2-FAKE".as_slice()));
        assert!(
            !found.secrets.contains(b"abc".as_slice()),
            "short secrets are not kept"
        );
        assert!(found.mapping.is_empty(), "secrets never enter the mapping");
    }

    #[test]
    fn headers_bearer_tokens_jwts_and_aws_keys_are_removed() {
        check(
            "Authorization: Basic dXNlcjpGQUtF\r\nnext",
            "Authorization: [REDACTED]\r\nnext",
        );
        check(
            "authorization:Basic dXNlcjpGQUtF\nnext",
            "authorization:[REDACTED]\nnext",
        );
        check(
            "{\"Authorization\": \"Bearer abc.def\"}",
            "{\"Authorization\": \"[REDACTED]\"}",
        );
        check(
            "called with bearer AbCdEf0123456789FAKE ok",
            "called with bearer [REDACTED] ok",
        );
        check(
            "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJGQUtFIn0.c2lnRkFLRQ done",
            "jwt [REDACTED] done",
        );
        check("key AKIAFAKEFAKEFAKE1234 ok", "key [REDACTED] ok");
        check("key ASIAFAKEFAKEFAKE1234.", "key [REDACTED].");
        check_untouched("key AKIAFAKEFAKEFAKE12345 and xAKIAFAKEFAKEFAKE1234");
    }

    #[test]
    fn url_user_info_loses_the_password_and_the_user_gets_a_pseudonym() {
        let (out, found) = run("db postgres://bob:hunter2-FAKE@db.internal:5432/app");
        let user = name_pseudonym(&key(1).keyed(), Category::Username, b"bob", 0);
        assert!(
            out.starts_with(&format!("db postgres://{user}:[REDACTED]@host-"))
                && out.ends_with(".example:5432/app")
                && !out.contains("db.internal"),
            "{out}"
        );
        assert!(found.secrets.contains(b"hunter2-FAKE".as_slice()));
        let (out, _) = run("https://bob:p@ss-FAKE@portal.example.com/x");
        assert_eq!(
            out,
            format!("https://{user}:[REDACTED]@portal.example.com/x")
        );
    }

    #[test]
    fn private_key_blocks_keep_markers_and_work_across_calls() {
        let redactor = redactor();
        let mut found = Found::default();
        let first = b"start\n-----BEGIN RSA PRIVATE KEY-----\r\nMIIEFAKEline1\r\n";
        let second = b"MIIEFAKEline2\n-----END RSA PRIVATE KEY-----\nafter password reset\n";
        let mut out = Vec::new();
        redactor.redact(first, false, &mut out, &mut found);
        let state = crate::redact::private_key_state_after(first, false);
        assert!(state);
        redactor.redact(second, state, &mut out, &mut found);
        assert_eq!(
            String::from_utf8(out).expect("utf8"),
            "start\n-----BEGIN RSA PRIVATE KEY-----\r\n[REDACTED]\r\n[REDACTED]\n\
             -----END RSA PRIVATE KEY-----\nafter password reset\n"
        );
        assert_eq!(
            found.counts.get(Category::Secret),
            1,
            "one block, counted once"
        );
        check(
            "k: \"-----BEGIN PRIVATE KEY-----\\nMIIEFAKE\\n-----END PRIVATE KEY-----\"",
            "k: \"-----BEGIN PRIVATE KEY-----[REDACTED]-----END PRIVATE KEY-----\"",
        );
        check_untouched("-----BEGIN PUBLIC KEY-----\nMIIBFAKE\n-----END PUBLIC KEY-----\n");
    }

    #[test]
    fn keywords_without_assignment_and_harmless_values_stay() {
        for text in [
            "password reset requested for account",
            "token refresh scheduled in 5m",
            "passwordless=true",
            "use_token=false enabled",
            "password=",
            "password: [REDACTED]",
            "x password: [REDACTED] y",
            "x password=[REDACTED]",
            "password=user-1a2b3c4d",
            "password=****",
            "PWD=/srv/app OLDPWD=/srv",
            "passed=10 passive=yes",
            "Bearer token expired",
            "see https://example.com/path",
        ] {
            check_untouched(text);
        }
    }

    #[test]
    fn emails_get_a_case_insensitive_pseudonym() {
        let (out, found) = run("from Alice.Smith@Example.COM and alice.smith@example.com.");
        let pseudonym = format!(
            "email-{}@redacted.invalid",
            hex8(&key(1).keyed().digest(b"email", b"alice.smith@example.com"))
        );
        assert_eq!(out, format!("from {pseudonym} and {pseudonym}."));
        assert_eq!(found.counts.get(Category::Email), 2);
        check_untouched("user@localhost and a@b and x@y.1 and @handle");
        let again = red(&out);
        assert_eq!(again, out, "pseudonyms are not redacted again");
    }

    #[test]
    fn ipv4_bare_and_prefixed_share_a_pseudonym_and_keep_the_prefix() {
        let (out, found) = run("from 10.1.2.3 port 22\ninet 10.1.2.3/24 brd\n[10.1.2.3]:80");
        let lines: Vec<&str> = out.lines().collect();
        let pseudo = lines[0].split(' ').nth(1).expect("pseudonym");
        assert!(
            pseudo.starts_with("24") || pseudo.starts_with("25"),
            "{pseudo}"
        );
        let first: u8 = pseudo
            .split('.')
            .next()
            .and_then(|o| o.parse().ok())
            .expect("octet");
        assert!(first >= 240);
        assert_eq!(lines[1], format!("inet {pseudo}/24 brd"));
        assert_eq!(lines[2], format!("[{pseudo}]:80"));
        assert_eq!(found.counts.get(Category::Ipv4), 3);
        assert_eq!(
            found.mapping.get(pseudo).map(|e| e.original.as_str()),
            Some("10.1.2.3")
        );
        check("ip=192.168.0.1.", &format!("ip={}.", red("192.168.0.1")));
    }

    #[test]
    fn ipv4_decoys_and_special_addresses_stay() {
        for text in [
            "Chrome/120.0.6099.109 Safari",
            "kernel 5.15.0-91-generic",
            "1.2.3.4.5",
            "v1.2.3.4",
            "agent-1.2.3.4",
            "abc-10.159.14.1",
            "host_10.1.2.3",
            "lo 127.0.0.1 any 0.0.0.0 bc 255.255.255.255",
            "mask 255.255.255.0 and 255.255.240.0",
            "bad 256.1.2.3 and 01.02.03.04",
            "at 10:23:45.123 took 1.5s",
            "2026-11-23T10:00:00.123Z",
            "already 240.1.2.3",
        ] {
            check_untouched(text);
        }
    }

    #[test]
    fn ipv6_full_and_compressed_forms_share_a_pseudonym() {
        let (out, found) =
            run("a 2001:DB9:0:0:0:0:0:1 b 2001:db9::1 c [2001:db9::1]:443 d fe80::1%eth0/64");
        let words: Vec<&str> = out.split(' ').collect();
        let pseudo = words[1];
        assert!(pseudo.starts_with("2001:db8:"), "{out}");
        assert_eq!(words[3], pseudo);
        assert_eq!(words[5], format!("[{pseudo}]:443"));
        assert!(
            words[7].ends_with("%eth0/64") && words[7].starts_with("2001:db8:"),
            "{out}"
        );
        assert_eq!(found.counts.get(Category::Ipv6), 4);
        check(
            "mapped ::ffff:10.1.2.3 end",
            &format!("mapped {} end", red("::ffff:10.1.2.3")),
        );
        assert!(red("::ffff:10.1.2.3").starts_with("2001:db8:"));
    }

    #[test]
    fn ipv6_decoys_stay() {
        for text in [
            "at 10:23:45 and 10:23:45.123",
            "tokio::task::spawn and std::vector<int> and a::b::c",
            ":: alone and ::1 loopback",
            "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "uuid 123e4567-e89b-12d3-a456-426614174000",
            "a::b ab::cd",
            "fp de:ad:be:ef:de:ad:be:ef",
            "doc 2001:db8::1",
            "ratio 1:2 at 12:00",
        ] {
            check_untouched(text);
        }
    }

    #[test]
    fn macs_keep_separator_and_case_and_skip_longer_runs() {
        let (out, found) = run("a aa:bb:cc:dd:ee:ff b AA-BB-CC-DD-EE-FF c AA:bb:cc:dd:ee:ff");
        let words: Vec<&str> = out.split(' ').collect();
        assert!(words[1].starts_with("02:") && words[1].len() == 17, "{out}");
        assert_eq!(words[1].to_ascii_lowercase(), words[1]);
        assert_eq!(words[3], words[1].to_ascii_uppercase().replace(':', "-"));
        assert_eq!(words[5], words[1].to_ascii_uppercase());
        assert_eq!(found.counts.get(Category::Mac), 3);
        for text in [
            "zero 00:00:00:00:00:00 bc ff:ff:ff:ff:ff:ff",
            "fp de:ad:be:ef:00:11:22",
            "fp 11:22:de:ad:be:ef:00:11:22:33",
            "dash 11-22-33-44-55-66-77",
            "xaa:bb:cc:dd:ee:ff",
        ] {
            check_untouched(text);
        }
    }

    #[test]
    fn names_are_replaced_in_any_case_as_whole_words_only() {
        let keyed = key(1).keyed();
        let host = name_pseudonym(&keyed, Category::Hostname, b"web01", 0);
        let fqdn = format!(
            "{host}.{}.example",
            name_pseudonym(&keyed, Category::Domain, b"corp.example", 0)
        );
        let user = name_pseudonym(&keyed, Category::Username, b"alice", 0);
        let word = name_pseudonym(&keyed, Category::Keyword, b"project falcon", 0);
        let other = name_pseudonym(&keyed, Category::Domain, b"other.net", 0);
        check(
            "WEB01 web01.corp.example web01.other.net Web01: alice@web01 project FALCON",
            &format!("{host} {fqdn} {host}.{other}.example {host}: {user}@{host} {word}"),
        );
        // A learned name that is no common word goes in a dotted path and a file name too
        // (`jsmith.log`): only common and component words are left there.
        check(
            "web01.corp.examples app.web01.conf",
            &format!("{host}.corp.examples app.{host}.conf"),
        );
        check_untouched("cache-prod-10 web012 xweb01 alice_b prod_db my-alice");
        // `prod` is a common component word: replaced only where it stands as a name.
        check_untouched("(prod)");
        let (_, found) = run("web01 and WEB01");
        assert_eq!(found.counts.get(Category::Hostname), 2);
        assert_eq!(
            found.mapping.get(&host).map(|e| e.original.as_str()),
            Some("web01")
        );
    }

    #[test]
    fn the_same_value_gets_the_same_pseudonym_only_under_the_same_key() {
        let text = "web01 10.1.2.3 a@b.example aa:bb:cc:dd:ee:01 2001:db9::5";
        let a1 = Redactor::new(&key(1), &names()).redact_text(text, &mut Found::default());
        let a2 = Redactor::new(&key(1), &names()).redact_text(text, &mut Found::default());
        let b = Redactor::new(&key(2), &names()).redact_text(text, &mut Found::default());
        assert_eq!(a1, a2);
        for (x, y) in a1.split(' ').zip(b.split(' ')) {
            assert_ne!(x, y);
        }
    }

    #[test]
    fn crlf_nul_and_invalid_utf8_pass_through() {
        let input = b"ok \xff\xfe\x00 bin\r\nip 10.1.2.3\r\n\xc3(\r\n";
        let mut out = Vec::new();
        redactor().redact(input, false, &mut out, &mut Found::default());
        assert!(
            out.starts_with(b"ok \xff\xfe\x00 bin\r\nip 24")
                || out.starts_with(b"ok \xff\xfe\x00 bin\r\nip 25")
        );
        assert!(out.ends_with(b"\r\n\xc3(\r\n"));
        assert_eq!(
            out.len(),
            input.len() - "10.1.2.3".len() + red("10.1.2.3").len()
        );
        let plain = b"nothing \xff here\r\n";
        let mut out = Vec::new();
        redactor().redact(plain, false, &mut out, &mut Found::default());
        assert_eq!(out, plain);
    }

    #[test]
    fn other_decoys_stay_byte_identical() {
        for text in [
            "md5 d41d8cd98f00b204e9800998ecf8427e sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "took 250ms (1h2m3.5s) at 2026-11-23T10:00:00.123Z",
            "version=1.2.3 build=2026.11.23",
        ] {
            check_untouched(text);
        }
    }

    #[test]
    fn secret_words_inside_longer_words_are_not_keys() {
        for text in [
            "status installed libsecret-common:amd64 0.20.5-3",
            "libsecret-1-0:amd64 (0.20.5-3, automatic)",
            "nopassword=abcFAKE123 mysecretary=Joan",
            "pkg:amd64 host:port urn:secret:thing token:abc",
        ] {
            check_untouched(text);
        }
        for (input, expected) in [
            ("x dbPassword=FAKE1 y", "x dbPassword=[REDACTED] y"),
            ("x SMTP.PASSWORD=FAKE2 y", "x SMTP.PASSWORD=[REDACTED] y"),
            ("x client-secret=FAKE3 y", "x client-secret=[REDACTED] y"),
            ("x x-api-key=FAKE4 y", "x x-api-key=[REDACTED] y"),
            ("x accessToken: FAKE5 y", "x accessToken: [REDACTED] y"),
            ("{\"token\":\"FAKE6\"}", "{\"token\":\"[REDACTED]\"}"),
            ("x 'secret':'FAKE7' y", "x 'secret':'[REDACTED]' y"),
        ] {
            check(input, expected);
        }
    }

    #[test]
    fn debian_versions_with_four_dotted_parts_are_not_addresses() {
        for text in [
            "libvulkan1:amd64 (1.3.239.0-1, automatic)",
            "imagemagick (8:6.9.11.60+dfsg-1.6)",
            "pkg 1.2.3.4~rc1 and 1.2.3.4+b1",
        ] {
            check_untouched(text);
        }
        let one = red("10.0.0.1");
        let nine = red("10.0.0.9");
        check("addr:10.0.0.1 Bcast", &format!("addr:{one} Bcast"));
        check("10.0.0.1:8080", &format!("{one}:8080"));
        check("range 10.0.0.1-10.0.0.9;", &format!("range {one}-{nine};"));
        check("at 10.0.0.1-", &format!("at {one}-"));
    }

    #[test]
    fn dpkg_and_apt_history_logs_stay_byte_identical() {
        let log = "\
2024-11-23 10:00:01 startup archives unpack
2024-11-23 10:00:02 install libsecret-common:all <none> 0.20.5-3
2024-11-23 10:00:02 status half-installed libsecret-1-0:amd64 0.20.5-3
2024-11-23 10:00:03 status installed libvulkan1:amd64 1.3.239.0-1
2024-11-23 10:00:03 upgrade imagemagick-6-common:all 8:6.9.11.60+dfsg-1.6 8:6.9.11.60+dfsg-1.6+deb12u1
2024-11-23 10:00:04 status unpacked libpam-gnome-keyring:amd64 42.1-1+b2
2024-11-23 10:00:04 configure libsecret-1-0:amd64 0.20.5-3 <none>

Start-Date: 2024-11-23  10:00:00
Commandline: apt-get install -y libsecret-tools
Install: libsecret-1-0:amd64 (0.20.5-3, automatic), libvulkan1:amd64 (1.3.239.0-1, automatic), libsecret-tools:amd64 (0.20.5-3)
Upgrade: imagemagick:amd64 (8:6.9.11.60+dfsg-1.6, 8:6.9.11.60+dfsg-1.6+deb12u1), gnome-keyring:amd64 (42.1-1, 42.1-1+b2)
End-Date: 2024-11-23  10:00:05
";
        check_untouched(log);
    }

    #[test]
    fn pseudonyms_are_recognised() {
        assert!(is_pseudonym(b"host-1a2b3c4d"));
        assert!(is_pseudonym(b"email-1a2b3c4d@redacted.invalid"));
        assert!(!is_pseudonym(b"host-1a2b3c4"));
        assert!(!is_pseudonym(b"host-1a2b3c4dx"));
    }

    /// Learns from `text`, then redacts it with the names learned (as a bundle does).
    fn learn_and_redact(text: &str, public: &[&str]) -> (String, Found) {
        let mut learner = super::super::Learner::new();
        learner.feed(text.as_bytes());
        let mut names = learner.finish();
        names.public_domains = public.iter().map(|d| (*d).to_owned()).collect();
        let mut found = Found::default();
        let out = Redactor::new(&key(1), &names).redact_text(text, &mut found);
        (out, found)
    }

    #[test]
    fn common_word_names_are_replaced_only_where_they_stand_as_names() {
        let attempts = concat!(
            "Dec 10 09:17:11 LabSZ sshd[24606]: Invalid user api from 187.141.143.180\n",
            "Dec 10 09:17:12 LabSZ sshd[24607]: Failed password for invalid user boot from 187.141.143.180 port 1 ssh2\n",
            "Dec 10 09:17:13 LabSZ sshd[24608]: Invalid user ftp from 187.141.143.180\n",
            "Dec 10 09:17:14 LabSZ sshd[24609]: input_userauth_request: invalid user www [preauth]\n",
            "Dec 10 09:17:15 LabSZ sshd[24610]: Invalid user xpc from 187.141.143.180\n",
            "Dec 10 09:17:16 LabSZ sshd[24611]: Too many authentication failures for admin [preauth]\n",
        );
        let kept = concat!(
            "INFO nova.api.openstack.compute.server_external_events\n",
            "org.apache.hadoop.yarn.client.api.impl.ContainerManagementProtocolProxy\n",
            "DocumentRoot /var/www/html\n",
            "kernel: boot (command 12) done\n",
            "ftpd[123]: ANONYMOUS FTP LOGIN FROM 84.102.20.2, (anonymous)\n",
            "com.apple.xpc.launchd[1] (com.apple.xpc.launchd.domain.pid): exited\n",
            "the api is up; test passed; mail queued\n",
        );
        let (out, found) = learn_and_redact(&format!("{attempts}{kept}"), &[]);
        for line in kept.lines() {
            let expected = line.replace("84.102.20.2", "");
            let got = out
                .lines()
                .find(|l| l.starts_with(expected.get(..12).unwrap_or_default()))
                .unwrap_or_default();
            assert_eq!(
                got.split("84.102.20.2").count(),
                1,
                "address kept in {got:?}"
            );
            if !line.contains("84.102.20.2") {
                assert_eq!(got, line);
            }
        }
        for user in ["api", "boot", "ftp", "www", "xpc", "admin"] {
            assert!(
                !out.contains(&format!("user {user} ")) && !out.contains(&format!("for {user} ")),
                "{user} kept in {out}"
            );
        }
        assert_eq!(found.counts.get(Category::Username), 6);
        assert!(!out.contains("LabSZ"));
    }

    #[test]
    fn unix_user_names_are_case_sensitive_and_organisations_are_not_users() {
        let (out, _) = learn_and_redact(
            concat!(
                "Dec 10 09:17:11 LabSZ sshd[1]: Invalid user oracle from 187.141.143.180\n",
                "Dec 10 09:17:11 LabSZ sshd[1]: Accepted password for JSmith from 10.1.2.3 port 2 ssh2\n",
                "java.vendor = Oracle Corporation; jsmith is someone else; JSmith logged out\n",
            ),
            &[],
        );
        assert!(out.contains("java.vendor = Oracle Corporation; jsmith is someone else;"));
        assert!(!out.contains("JSmith"), "{out}");
        assert!(!out.contains("user oracle "), "{out}");
    }

    #[test]
    fn names_in_their_places_are_replaced_even_when_not_learned() {
        let (out, found) = run(concat!(
            "Nov 23 10:00:00 gw-fake-7 sshd[1]: Failed password for invalid user zhangyan from 10.9.8.7 port 1 ssh2\n",
            "[INFO] Updating account for user jsmith; session opened for user root by (uid=0)\n",
            "[INFO] jcagent: Hostname reported as build-srv-07\n",
            "\tAccount Name:\t\tkpatel\n\tWorkstation Name:\tLAPTOP-7QX2\n",
        ));
        for name in [
            "gw-fake-7",
            "zhangyan",
            "jsmith",
            "build-srv-07",
            "kpatel",
            "LAPTOP-7QX2",
        ] {
            assert!(!out.contains(name), "{name} kept: {out}");
        }
        assert!(out.contains("for user root by"));
        assert_eq!(found.counts.get(Category::Username), 3);
        assert_eq!(found.counts.get(Category::Hostname), 3);
    }

    #[test]
    fn numbered_host_families_cover_node_lists() {
        let (out, _) = learn_and_redact(
            concat!(
                "- 1131566941 2005.11.09 cn204 Nov 9 12:09:01 cn204/cn204 ntpd[1]: x\n",
                "21611 node-190 unix.hw net.niff.up 1100786337 1 NIFF: up\n",
                "gmetad: failed to resolve data source name cn5 cn93 CN17 bn10\n",
                "inconsistent nodesets node-32 0x00000002 <ok> node-34 and test2 sha256 v4\n",
            ),
            &[],
        );
        for gone in ["cn5 ", "cn93", "CN17", "node-32", "node-34"] {
            assert!(!out.contains(gone), "{gone} kept: {out}");
        }
        assert!(
            out.contains(" bn10\n") && out.contains(" test2 sha256 v4\n"),
            "{out}"
        );
    }

    #[test]
    fn prose_versions_and_file_positions_are_not_names_in_place() {
        check_untouched(concat!(
            "waiting for user input from the console; node v18.2.0 started\n",
            "thanks for user convenience, and for user feedback.\n",
            "Resolved issue to done; error at main.tf:12 and config.py:40\n",
            "user: example host: localhost hostname=xxxx /home/user/.bashrc user=0 uid=1000\n",
            "C:\\Users\\Default\\NTUSER.DAT /Users/Shared/x UNKNOWN_LOCATION\n",
            "authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=  user=root\n",
            "- 1120231520 2005.07.01 UNKNOWN_LOCATION 2005-07-01-08.25.20.466953 NULL x\n",
        ));
        let (out, _) = run("session opened for user news by (uid=0)");
        assert!(!out.contains("news"), "{out}");
    }

    #[test]
    fn domains_are_replaced_whole_and_public_and_vendor_names_stay() {
        let text = concat!(
            "Hostname reported as build-srv-07.corp.example\n",
            "peer nas01.corp.example up; search corp.example\n",
            "rhost=220-135-151-1.hinet-ip.hinet.net ip-10-0-0-1.ec2.internal printer.lan\n",
            "Jul  4 01:48:57 calvisitor-10-105-160-95.calvisitor.1918.berkeley.edu kernel[0]: x\n",
            "later host-ab08.calvisitor.1918.berkeley.edu and nas.home.arpa and db.fake.corp\n",
            "Resolved MSRA-SA-41.fareast.corp.microsoft.com to /default-rack\n",
            "connected to agent.jumpcloud.com:443 and www.google.com:443 and portal.ujet.co:443\n",
        );
        let (out, found) = learn_and_redact(text, &["ujet.co"]);
        for gone in [
            "build-srv-07",
            "corp.example",
            "hinet",
            "ec2.internal",
            "printer.lan",
            "berkeley.edu",
            "calvisitor",
            "home.arpa",
            "fake.corp",
            "fareast",
            "MSRA",
        ] {
            assert!(!out.contains(gone), "{gone} kept: {out}");
        }
        for kept in [
            "agent.jumpcloud.com:443",
            "www.google.com:443",
            "portal.ujet.co:443",
        ] {
            assert!(out.contains(kept), "{kept} lost: {out}");
        }
        let keyed = key(1).keyed();
        let domain = format!(
            "{}.example",
            name_pseudonym(&keyed, Category::Domain, b"corp.example", 0)
        );
        let host = name_pseudonym(&keyed, Category::Hostname, b"build-srv-07", 0);
        assert!(out.contains(&format!("as {host}.{domain}\n")), "{out}");
        assert!(out.contains(&format!("search {domain}\n")), "{out}");
        assert_eq!(found.counts.get(Category::Domain), 1);
        assert_eq!(
            found.mapping.get(&domain).map(|e| e.original.as_str()),
            Some("corp.example")
        );
    }

    #[test]
    fn versions_are_not_addresses() {
        check_untouched(concat!(
            "agent version 1.2.8.57, Build 6.1.1.0, ver: 2.4.1.9, firmware=3.1.0.2, v 1.0.0.1\n",
            "SerializationVersion: 1.1.0.1 agent_version=2.14.0.3\n",
            "package Package_for_KB3149090~31bf3856ad364e35~amd64~~6.1.1.1 and 0.0.0.6\n",
        ));
        let (out, _) = run("version check from 10.1.2.3 ok");
        assert!(!out.contains("10.1.2.3"));
    }

    #[test]
    fn an_address_inside_a_block_pool_id_is_replaced_and_the_id_keeps_its_shape() {
        let (out, found) = run("pool BP-1432167891-10.190.173.170-1419015218143 registered");
        assert!(!out.contains("10.190.173.170"), "{out}");
        let pseudonym = found
            .mapping
            .originals()
            .find(|(c, _)| *c == Category::Ipv4)
            .map(|(_, o)| o.to_owned());
        assert_eq!(pseudonym.as_deref(), Some("10.190.173.170"));
        assert!(
            out.starts_with("pool BP-1432167891-24") || out.starts_with("pool BP-1432167891-25")
        );
        assert!(out.ends_with("-1419015218143 registered"), "{out}");
    }

    #[test]
    fn ipv6_glued_to_an_interface_name_is_an_address() {
        let (out, found) = run("up en0:2607:f8b0:4005:80b::200e and fe80::1c2a:3bff:fe4d:5e6f%en0");
        assert!(out.starts_with("up en0:2001:db8:"), "{out}");
        assert!(!out.contains("2607") && !out.contains("fe80"), "{out}");
        assert!(out.ends_with("%en0"), "{out}");
        assert_eq!(found.counts.get(Category::Ipv6), 2);
        check_untouched("std::vector en0:ab:cd");
        let (out, _) = run("v6(en0+:2607:f140:6000:8:c6b3:1ff:fecd:467f) v6(en0!:2607:f140::1)");
        assert!(!out.contains("2607"), "{out}");
        assert!(out.starts_with("v6(en0+:2001:db8:"), "{out}");
    }

    #[test]
    fn pseudonym_collisions_take_the_next_candidate() {
        let redactor = redactor();
        let (first, _) = run("from 10.1.2.3");
        let taken = first.trim_start_matches("from ").to_owned();
        // An earlier run gave that pseudonym to another address.
        let mut mapping = super::super::Mapping::default();
        mapping.insert(taken.clone(), Category::Ipv4, "192.168.50.50".into());
        redactor.reserve(&mapping);
        let mut found = Found::default();
        let out = redactor.redact_text("from 10.1.2.3 and 10.1.2.3", &mut found);
        let fresh = out
            .trim_start_matches("from ")
            .split(' ')
            .next()
            .unwrap_or_default()
            .to_owned();
        assert_ne!(fresh, taken);
        assert!(
            fresh
                .parse::<std::net::Ipv4Addr>()
                .is_ok_and(|a| a.octets()[0] >= 240)
        );
        assert_eq!(out, format!("from {fresh} and {fresh}"));
        assert_eq!(
            found.mapping.get(&fresh).map(|e| e.original.as_str()),
            Some("10.1.2.3")
        );
        // The value the mapping already holds keeps its pseudonym.
        let redactor = Redactor::new(&key(1), &names());
        let mut mapping = super::super::Mapping::default();
        mapping.insert(taken.clone(), Category::Ipv4, "10.1.2.3".into());
        redactor.reserve(&mapping);
        assert_eq!(
            redactor.redact_text("from 10.1.2.3", &mut Found::default()),
            first
        );
    }
}
