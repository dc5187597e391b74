// Plain words for the codes the core sends (why a file is left out, what kind a channel is), so
// the user never reads `not-found` or `folder (folder)`. The codes stay in the wire types.

const SKIP_REASONS: Record<string, string> = {
  "not-found": "not found",
  "permission-denied": "Casefile is not allowed to read it",
  "not-regular-file": "not an ordinary file",
  "outside-roots": "a link that leads out of the folders Casefile may read",
  "symlink-loop": "a link that points back to itself",
  binary: "not text, so it cannot be cleaned; tick “Include binary files” to send it as it is",
  "over-budget": "did not fit the size limit, even shortened",
  "outside-window": "nothing in it from the chosen time window",
  "command-failed": "the command did not run to the end",
  unreadable: "could not be read",
  "casefile-data": "Casefile's own data, never sent",
  changed: "the file changed while it was being read",
  "too-large": "too large once unpacked",
  deadline: "not read: the collection's time limit came first",
};

/** Why something is not collected, in words (the core's `SkipReason`, kebab-case). */
export function skipReason(reason: string): string {
  return SKIP_REASONS[reason] ?? "left out";
}

const CHANNEL_KINDS: Record<string, string> = {
  folder: "saves the e-mail and the bundle in a folder, for you to send",
  smtp: "sends an e-mail",
  rt: "files a Request Tracker ticket",
  zendesk: "files a Zendesk request",
  freshdesk: "files a Freshdesk ticket",
  jsm: "files a Jira Service Management request",
  webhook: "posts to a web address",
};

/** What a channel of this kind does, in words. */
export function channelKind(kind: string): string {
  return CHANNEL_KINDS[kind] ?? kind;
}

const CATEGORIES: Record<string, [string, string]> = {
  secret: ["secret", "secrets"],
  email: ["e-mail address", "e-mail addresses"],
  ipv4: ["IP address", "IP addresses"],
  ipv6: ["IPv6 address", "IPv6 addresses"],
  mac: ["network card address", "network card addresses"],
  hostname: ["host name", "host names"],
  domain: ["domain name", "domain names"],
  username: ["user name", "user names"],
  keyword: ["hidden word", "hidden words"],
};

/** "1 secret, 104 IP addresses": counts per redaction category, in words. */
export function redactionCounts(redactions: Record<string, number>): string {
  const parts = Object.entries(redactions)
    .filter(([, count]) => count > 0)
    .map(([category, count]) => {
      const [one, many] = CATEGORIES[category] ?? [category, category];
      return `${count} ${count === 1 ? one : many}`;
    });
  return parts.length > 0 ? parts.join(", ") : "nothing";
}
