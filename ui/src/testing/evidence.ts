// Hand-built replies for steps 5 to 7 and the outbox, shaped as wizard-contract-2 describes, for
// the tests. The Rust side will add generated fixtures (`lib/fixtures/evidence-preview.json`, ...);
// `lib/types.test.ts` checks these and those with the same schemas.
import type {
  BundleReport,
  ChannelSummary,
  DisclosureReport,
  EvidencePreview,
  HighlightedPreview,
  MachineSummary,
  OutboxItemReport,
} from "../lib/types";

export function evidencePreview(kinds: string[] = ["agent-logs", "manager-logs"]): EvidencePreview {
  const all = [
    {
      id: "agent-logs",
      label: "Agent logs",
      description: "The JetPatch agent's log folder.",
      files: [
        { entry: "logs/agent/agent.log", source: "/var/log/jetpatch/agent.log", size: 2_400_000, modified: "2026-11-24T14:58:00Z" },
        { entry: "logs/agent/agent.1.log.gz", source: "/var/log/jetpatch/agent.1.log.gz", size: 800_000, modified: "2026-11-23T09:00:00Z" },
      ],
    },
    {
      id: "manager-logs",
      label: "Manager logs",
      description: "The Manager Console's server log.",
      files: [{ entry: "logs/manager/server.log", source: "/opt/jetpatch/logs/server.log", size: 512_000, modified: null }],
    },
    {
      id: "screenshot",
      label: "Screenshots",
      description: "Screenshots of the error.",
      files: [],
    },
  ];
  const shown = all.map((kind) => {
    const files = kinds.includes(kind.id) ? kind.files : [];
    return { ...kind, files, bytes: files.reduce((sum, file) => sum + file.size, 0) };
  });
  const totalBytes = shown.reduce((sum, kind) => sum + kind.bytes, 0);
  return {
    kinds: shown,
    added: [],
    skipped: [{ source: "/var/log/jetpatch/*.dmp", reason: "not-found", detail: "no file matches" }],
    totalBytes,
    estimatedBundleBytes: Math.round(totalBytes / 10) + 65_536,
  };
}

export function bundleReport(overrides: Partial<BundleReport> = {}): BundleReport {
  return {
    bundle: "/home/ana/.local/share/casefile/bundles/CF-7K2M-9QXD.zip",
    bundleBytes: 420_000,
    inputBytes: 3_712_000,
    limit: 25 * 1024 * 1024,
    entries: [
      { name: "request.md", evidence: null, size: 2_100, redactions: 0, truncated: false },
      { name: "logs/agent/agent.log", evidence: "agent-logs", size: 2_400_000, redactions: 14, truncated: false },
      { name: "logs/manager/server.log", evidence: "manager-logs", size: 512_000, redactions: 3, truncated: true },
    ],
    skipped: [{ source: "/var/log/jetpatch/agent.2.log", reason: "permission-denied", detail: "Permission denied (os error 13)" }],
    redactions: { secret: 2, email: 5, ipv4: 9, hostname: 1 },
    leaks: [],
    ...overrides,
  };
}

/** A redaction preview with highlights; "Grüße" first, so byte and string offsets differ. */
export function redaction(file: string): HighlightedPreview {
  const text = "Grüße 2026-11-24 14:58 connect to host-1a2b3c4d failed: password=[REDACTED] via build-srv-07\n";
  const encoder = new TextEncoder();
  const at = (part: string): [number, number] => {
    const index = text.indexOf(part);
    const start = encoder.encode(text.slice(0, index)).length;
    return [start, start + encoder.encode(part).length];
  };
  const [hs, he] = at("host-1a2b3c4d");
  const [ss, se] = at("[REDACTED]");
  const [ks, ke] = at("build-srv-07");
  return {
    file,
    text,
    truncated: false,
    redactions: { secret: 1, hostname: 1 },
    spans: [
      { start: hs, end: he, category: "hostname", kind: null, kept: false },
      { start: ss, end: se, category: "secret", kind: "password", kept: false },
      { start: ks, end: ke, category: "hostname", kind: null, kept: true },
    ],
  };
}

/** A disclosure review: a host pseudonymised, a user name, the contact's e-mail kept, a secret. */
export function disclosure(overrides: Partial<DisclosureReport> = {}): DisclosureReport {
  return {
    caseCode: "CF-7K2M-9QXD",
    redacted: true,
    identifiers: [
      {
        category: "hostname",
        original: "build-srv-07",
        pseudonym: "host-1a2b3c4d",
        kept: false,
        count: 12,
        places: [
          { kind: "field", name: "description", count: 1 },
          { kind: "entry", name: "logs/agent/agent.log", count: 11 },
        ],
      },
      {
        category: "username",
        original: "jsmith",
        pseudonym: "user-5e6f7a8b",
        kept: false,
        count: 4,
        places: [{ kind: "entry", name: "logs/agent/agent.log", count: 4 }],
      },
      {
        category: "email",
        original: "ana@example.com",
        pseudonym: null,
        kept: true,
        count: 1,
        places: [{ kind: "field", name: "email", count: 1 }],
      },
    ],
    secrets: [
      {
        kind: "password",
        count: 2,
        places: [
          { kind: "field", name: "description", count: 1 },
          { kind: "entry", name: "logs/agent/agent.log", count: 1 },
        ],
      },
    ],
    unredacted: [{ entry: "screenshots/error.png", reason: "an image: cleaned of metadata, its pixels are sent as they are" }],
    requester: ["Ana Example", "ana@example.com"],
    keep: [],
    hide: [],
    suggestedHide: ["Example Ltd", "Ana Example"],
    scannedEntries: 5,
    leaks: [],
    ...overrides,
  };
}

export function channels(): ChannelSummary[] {
  return [
    { name: "folder", kind: "folder", destination: "/home/ana/Casefile/outgoing", default: false, secret: null, secretSource: null },
    {
      name: "helpdesk",
      kind: "zendesk",
      destination: "https://jetpatch.zendesk.com",
      default: true,
      secret: "helpdesk",
      secretSource: "keychain",
    },
    { name: "mail", kind: "smtp", destination: "support@jetpatch.com via smtp.example.com", default: false, secret: "mail", secretSource: null },
  ];
}

export function sentItem(overrides: Partial<OutboxItemReport> = {}): OutboxItemReport {
  return {
    id: "CF-7K2M-9QXD.helpdesk",
    caseCode: "CF-7K2M-9QXD",
    subject: "Agents stop reporting after patch window",
    state: "sent",
    channel: "helpdesk",
    kind: "zendesk",
    destination: "https://jetpatch.zendesk.com",
    attempts: 1,
    createdAt: "2026-11-24T15:10:00Z",
    updatedAt: "2026-11-24T15:10:09Z",
    nextAttemptAt: null,
    lastError: null,
    attachments: [{ name: "CF-7K2M-9QXD.zip", size: 420_000, sha256: "ab".repeat(32) }],
    history: [
      { at: "2026-11-24T15:10:00Z", state: "queued", note: "queued" },
      { at: "2026-11-24T15:10:09Z", state: "sent", note: "ticket 4711 created" },
    ],
    receipt: {
      id: "CF-7K2M-9QXD.helpdesk",
      caseCode: "CF-7K2M-9QXD",
      channel: "helpdesk",
      kind: "zendesk",
      ticketId: "4711",
      url: "https://jetpatch.zendesk.com/hc/requests/4711",
      detail: "request 4711 created",
      sentAt: "2026-11-24T15:10:09Z",
      sla: {
        profile: "jetpatch",
        tier: "standard",
        priority: "1",
        submitted: "2026-11-24T15:10:09Z",
        coverage: "business hours",
        vendorTimeZone: "America/New_York",
        displayTimeZone: "Europe/Madrid",
        clockStarts: "Tue 24 Nov 2026, 16:10 your time",
        targets: [
          {
            name: "acknowledgment",
            label: "Acknowledgment",
            within: "4 business hours",
            due: "2026-11-24T19:10:09Z",
            text: "Acknowledgment: within 4 business hours, by Tue 24 Nov 2026, 20:10 your time",
          },
        ],
        escalations: [
          {
            allowedFrom: "2026-11-24T19:10:09Z",
            condition: "no acknowledgment in time",
            contacts: ["escalations@jetpatch.com"],
            how: "e-mail",
            text: "If no acknowledgment by Tue 24 Nov 2026, 20:10 your time: write to escalations@jetpatch.com",
          },
        ],
        notices: [],
      },
      slaProblem: null,
      escalationTo: ["escalations@jetpatch.com"],
      escalationMessage: "Subject: Escalation of CF-7K2M-9QXD (ticket 4711)\n\nWe filed ticket 4711 and have had no acknowledgment.",
      nextStep: null,
    },
    ...overrides,
  };
}

export function waitingItem(overrides: Partial<OutboxItemReport> = {}): OutboxItemReport {
  return sentItem({
    state: "failed-retryable",
    attempts: 2,
    updatedAt: "2026-11-24T15:12:00Z",
    nextAttemptAt: "2026-11-24T15:17:00Z",
    lastError: "jetpatch.zendesk.com answered 503 Service Unavailable",
    history: [{ at: "2026-11-24T15:10:00Z", state: "queued", note: "queued" }],
    receipt: null,
    ...overrides,
  });
}

export function machine(): MachineSummary {
  return {
    os: "Debian GNU/Linux 12 (bookworm), kernel 6.1.0",
    hostname: "web-01",
    agentVersion: "4.2.1",
    agentLog: "/var/log/jetpatch/agent.log",
    lastErrors: ["2026-11-24 14:58 ERROR cannot reach manager: timed out"],
    notes: [],
    errorCount: 12,
    newestError: "cannot reach manager: timed out",
  };
}
