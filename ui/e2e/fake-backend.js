// A stand-in for the Rust side, run in the page before the app's own code (Playwright's
// `addInitScript`). It defines `window.__TAURI_INTERNALS__` the way `@tauri-apps/api/mocks`
// `mockIPC` does (`invoke`, `transformCallback`, callbacks), and answers the app's commands:
// profiles from the Rust-generated fixtures (`src/lib/fixtures/*.json`), drafts from a small
// in-memory store whose views are built from the fixture views. It is deliberately simple: the
// real validation, proposal and response-target logic is the core's and is tested in Rust; this
// recomputes only what the UI needs to move (required fields, checklist, a proposal).
//
// Steps 5 to 7, the outbox and phone mode (wizard-contract-2) answer from the fixtures of real
// replies (evidence preview, bundle report, channels, outbox items, machine summary), shaped to
// the draft asked about. Long commands (`build_bundle`, `submit_draft`, `retry_outbox`) send
// progress over the `Channel` argument the way Tauri delivers channel messages: the argument
// serialises to `__CHANNEL__:<id>` (its `transformCallback` id), and each message arrives later,
// from outside the invoke, as `runCallback(id, { index, message })`, then `{ index, end: true }`.
// Delivery fakes: a folder channel delivers at once (receipt with the next step); a webhook
// channel refuses its first attempt (failed-retryable, as in the outbox fixture) and answers a
// retry with a ticket and the draft's response targets.
//
// Screenshots: `list_windows`, `capture_screenshot` and `pick_screenshots` answer the fixtures'
// window list and pending capture (a fresh id each time), `accept_screenshot` the saved fixture
// named after the chosen name with the boxes counted, `pick_files` one fake document.
//
// The function is serialised into the page, so it must not close over anything: all it gets is
// `options` = { fixtures, seed, saveDelayMs, progressDelayMs }.
export function installFakeTauri(options) {
  const { fixtures, seed, saveDelayMs } = options;
  const progressDelayMs = options.progressDelayMs ?? 120;
  const clone = (value) => JSON.parse(JSON.stringify(value));
  const drafts = new Map(); // path -> { request, step, updatedAt }
  const calls = [];
  const codes = ["CF-7K2M-9QXD", "CF-3HVP-42WA", "CF-9TRN-6BEX", "CF-5MCJ-81QF", "CF-2DKX-73LP"];
  let created = 0;
  let shots = 0;
  const pendingShots = new Set();
  const waiting = new Map(); // pending screenshot id -> { path, shot }, for `pending_screenshots`
  let clock = Date.parse("2026-12-04T15:20:00Z");
  const now = () => new Date((clock += 60_000)).toISOString();
  const folder = "/home/ana/.local/share/casefile/drafts";

  const profileOf = (id) => fixtures.profiles.find((profile) => profile.id === id);

  /** The fixture view a profile's views are shaped from: JetPatch's own, else the generic one. */
  function template(profileId) {
    if (profileId === "jetpatch") {
      return fixtures.jetpatch;
    }
    const base = clone(fixtures.generic);
    const profile = profileOf(profileId);
    if (profile !== undefined && profileId !== "generic") {
      base.vendor = profile.name;
      base.tiers = profile.tiers.map((tier) => ({ ...tier, message: null, note: null, supported: true }));
      base.priorities = profile.priorities.map((priority) => ({
        ...priority,
        definition: `${profile.name}'s ${priority.label}.`,
      }));
    }
    return base;
  }

  function read(request, path) {
    let value = request;
    for (const key of path.split(".")) {
      value = value === null || typeof value !== "object" ? undefined : value[key];
    }
    return typeof value === "string" ? value : value === null || value === undefined ? "" : String(value);
  }

  function emptyRequest(profileId, caseCode, tier) {
    const request = clone(fixtures.generic.request);
    request.case_code = caseCode;
    request.profile = profileId;
    request.tier = tier;
    return request;
  }

  function viewOf(path) {
    const draft = drafts.get(path);
    const base = template(draft.request.profile);
    const request = draft.request;
    const vendor = base.vendor;
    const problems = [];
    const stepOfField = new Map();
    for (const step of base.steps) {
      for (const field of step.fields) {
        stepOfField.set(field.id, step.id);
        if (field.required && read(request, field.path).trim() === "") {
          problems.push({ field: field.id, severity: "error", message: `${field.label} is required by ${vendor}: fill it in` });
        }
      }
    }
    const email = request.contact.email.trim();
    if (email !== "" && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
      problems.push({ field: "email", severity: "error", message: `"${email}" is not an e-mail address` });
    }
    const issueType = base.issueTypes.find((type) => type.id === request.issue_type);
    (issueType?.checklist ?? []).forEach((item, index) => {
      if (!request.checklist_done.includes(item.id)) {
        problems.push({
          field: "checklist",
          severity: "warning",
          message: `${vendor} asks you to go through this first: step ${index + 1} "${item.text}" is not ticked`,
        });
      }
    });
    stepOfField.set("checklist", "problem");

    const answers = request.impact.answers;
    const ids = base.priorities.map((priority) => priority.id);
    let proposal = { priority: null, reasons: [], cap: null };
    if (answers.production_down === true || answers.data_loss === true) {
      proposal = { priority: ids[0], reasons: [answers.production_down ? "production is down" : "data are lost"], cap: null };
    } else if (answers.question_only === true) {
      proposal = { priority: ids[ids.length - 1], reasons: ["only a question"], cap: null };
    } else if (Object.values(answers).some((answer) => answer !== null)) {
      proposal = {
        priority: ids[Math.min(1, ids.length - 1)],
        reasons: [`${vendor}'s usual priority: none of its rules matches the answers`],
        cap: null,
      };
    }

    const notices = [];
    if (request.profile === "jetpatch" && request.problem.subject.trim() !== "") {
      notices.push({
        kind: "knowledge_base",
        message: `${vendor} may already answer this: search its knowledge base for your subject, https://kc.jetpatch.com/hc/en-us/search?query=${encodeURIComponent(request.problem.subject.trim())}`,
        phone: null,
        field: "subject",
      });
    }
    const priority = request.impact.priority || proposal.priority;
    const sla = priority && base.sla ? base.sla : null;
    const slaProblem =
      sla !== null
        ? null
        : priority
          ? `${vendor} states no response targets for this tier and priority.`
          : `Answer the impact questions or choose a priority (step 4) to see when ${vendor} owes an answer.`;

    const steps = base.steps.map((step) => {
      const own = problems.filter((problem) => (stepOfField.get(problem.field) ?? "review") === step.id);
      return {
        ...step,
        errors: own.filter((problem) => problem.severity === "error").length,
        warnings: own.filter((problem) => problem.severity === "warning").length,
      };
    });
    // The core's pasted-log check, simplified: 30 lines or more that mostly carry a time.
    const pastedLogs = ["description", "error_messages", "troubleshooting_done"].filter((field) => {
      const lines = (request.problem[field] ?? "").split("\n").filter((line) => line.trim() !== "");
      return lines.length >= 30 && lines.filter((line) => /\d\d:\d\d:\d\d/.test(line)).length * 2 >= lines.length;
    });
    for (const field of pastedLogs) {
      problems.push({ field, severity: "warning", message: "holds lines that look like a pasted log: attach it as a file instead" });
    }
    return clone({ ...base, path, step: draft.step, request, steps, problems, proposal, notices, sla, slaProblem, pastedLogs });
  }

  function summaryOf(path) {
    const draft = drafts.get(path);
    if (draft.broken !== undefined) {
      return { ...draft.broken, path };
    }
    const view = viewOf(path);
    return {
      path,
      caseCode: draft.request.case_code,
      profile: draft.request.profile,
      vendor: view.vendor,
      subject: draft.request.problem.subject,
      step: draft.step,
      updatedAt: draft.updatedAt,
      errors: view.problems.filter((problem) => problem.severity === "error").length,
      problem: null,
    };
  }


  // ---- steps 5 to 7 ----
  const bundles = new Map(); // path -> the last BundleReport built for it
  const selections = new Map(); // path -> the evidence selection kept with the draft
  const builtFrom = new Map(); // path -> the request and selection (JSON) its bundle was built from
  let building = null; // { cancelled } while a build_bundle runs
  const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const basename = (file) => file.split(/[\\/]/).pop();
  // Codes a support engineer might dictate (the core's format: CC- and 8 Crockford symbols).
  const collectionCodes = {
    CC4G7K2MQ8: { kinds: ["app-logs"], since: "24h", snapshot: true, includeBinary: false },
    CC9X3DR7WA: { kinds: ["app-logs", "system-logs"], since: "7d", snapshot: false, includeBinary: false },
  };
  const redactedTexts = {
    "/var/log/lab/app.log":
      "2026-01-05T10:00:00Z INFO starting host-3f9a1c2e\n2026-01-05T10:00:01Z ERROR cannot reach 240.17.88.5: password=[REDACTED]\n",
    "/var/log/lab/screen.txt": "what the screen said\n",
  };

  /** The `__CHANNEL__:<id>` a Channel argument serialises to, as the Rust side reads it. */
  function channelId(argument) {
    const match = /^__CHANNEL__:(\d+)$/.exec(JSON.parse(JSON.stringify(argument ?? null)) ?? "");
    return match === null ? null : Number(match[1]);
  }

  /** One channel message, delivered from outside the invoke as Tauri does. */
  function post(id, index, message, end = false) {
    if (id === null) {
      return;
    }
    const payload = end ? { index, end: true } : { index, message: clone(message) };
    setTimeout(() => window.__TAURI_INTERNALS__.runCallback(id, payload), 0);
  }

  /** The kinds a selection ticks, as the core decides: the issue type's, else every kind with files. */
  function tickedKinds(path, selection) {
    if (selection?.kinds !== null && selection?.kinds !== undefined) {
      return new Set(selection.kinds);
    }
    const view = viewOf(path);
    const type = view.issueTypes.find((candidate) => candidate.id === view.request.issue_type);
    const own = type === undefined ? [] : [...type.requiredEvidence, ...type.optionalEvidence];
    if (own.length > 0) {
      return new Set(own);
    }
    return new Set(fixtures.evidencePreview.kinds.filter((kind) => kind.files.length > 0).map((kind) => kind.id));
  }

  function addedOf(path) {
    return drafts
      .get(path)
      .request.evidence.filter((item) => item.path !== "" && !missingPath(item.path))
      .map(
        (item) =>
          clone(fixtures.evidencePreview.added.find((planned) => planned.source === item.path)) ?? {
            entry: `attachments/${basename(item.path)}`,
            modified: "2026-12-04T15:10:00Z",
            size: 1000 + item.path.length * 37,
            source: item.path,
          },
      );
  }

  /** Paths with "does-not-exist" in them are not there, as the core's plan would find. */
  function missingPath(file) {
    return file.includes("does-not-exist");
  }

  function previewOf(path, selection) {
    const ticked = tickedKinds(path, selection);
    const preview = clone(fixtures.evidencePreview);
    preview.added = addedOf(path);
    for (const item of drafts.get(path).request.evidence) {
      if (missingPath(item.path)) {
        preview.skipped.push({ source: item.path, reason: "not-found", detail: "does not exist" });
      }
    }
    const bytes =
      preview.kinds.filter((kind) => ticked.has(kind.id)).reduce((sum, kind) => sum + kind.bytes, 0) +
      preview.added.reduce((sum, file) => sum + file.size, 0);
    preview.totalBytes = bytes + (selection?.snapshot === false ? 0 : 21);
    preview.estimatedBundleBytes = Math.round(fixtures.evidencePreview.estimatedBundleBytes * (preview.totalBytes / fixtures.evidencePreview.totalBytes));
    return preview;
  }

  function bundleOf(path, selection, channel) {
    const ticked = tickedKinds(path, selection);
    const caseCode = drafts.get(path).request.case_code;
    const report = clone(fixtures.bundleReport);
    const added = addedOf(path);
    const fixed = report.entries.filter((entry) => entry.evidence === null && !entry.name.startsWith("attachments/"));
    const files = added.map(
      (file) =>
        report.entries.find((entry) => entry.name === file.entry) ?? { evidence: null, name: file.entry, redactions: 0, size: file.size, truncated: false },
    );
    const logs = report.entries.filter((entry) => entry.evidence !== null && ticked.has(entry.evidence));
    report.entries = [...fixed, ...files, ...logs];
    report.bundle = report.bundle.replace(/[^/]+\.zip$/, `${caseCode}.zip`);
    report.inputBytes = report.entries.reduce((sum, entry) => sum + entry.size, 0);
    report.bundleBytes = Math.round(fixtures.bundleReport.bundleBytes * (report.inputBytes / fixtures.bundleReport.inputBytes));
    if (logs.length === 0) {
      report.redactions = {};
    }
    report.disclosure = disclosureOf(path, report.disclosure);
    report.limit = fixtures.channels.find((candidate) => candidate.name === channel)?.kind === "email" ? 10 * 1024 * 1024 : null;
    return report;
  }

  /** The fixture's disclosure review with the draft's own choices applied, as the core applies
   *  them: a kept name leaves as it is, hidden words are listed, suggestions leave out chosen words. */
  function disclosureOf(path, base) {
    const review = clone(base ?? fixtures.bundleReport.disclosure);
    const request = drafts.get(path).request;
    const keep = request.redaction?.keep ?? [];
    const hide = request.redaction?.hide ?? [];
    const lower = (word) => word.trim().toLowerCase();
    const chosen = new Set([...keep, ...hide].map(lower));
    review.caseCode = request.case_code;
    review.keep = clone(keep);
    review.hide = clone(hide);
    review.identifiers = review.identifiers.map((identifier) =>
      keep.some((name) => lower(name) === lower(identifier.original)) ? { ...identifier, pseudonym: null, kept: true } : identifier,
    );
    for (const word of hide) {
      review.identifiers.push({
        category: "keyword",
        original: word,
        pseudonym: "word-5c1e09ab",
        kept: false,
        count: 1,
        places: [{ kind: "field", name: "description", count: 1 }],
      });
    }
    review.requester = [request.contact.name, request.contact.email].filter((value) => value.trim() !== "");
    review.suggestedHide = [request.contact.company, request.contact.name]
      .map((word) => word.trim())
      .filter((word) => word.length >= 2 && !chosen.has(lower(word)));
    return review;
  }

  /** request.md, shaped like the core's render (facts, then one section per filled field). */
  function markdownOf(path) {
    const view = viewOf(path);
    const request = view.request;
    const labels = new Map(view.steps.flatMap((step) => step.fields.map((field) => [field.id, field.label])));
    const priority = view.priorities.find((candidate) => candidate.id === request.impact.priority);
    const tier = view.tiers.find((candidate) => candidate.id === request.tier);
    const issueType = view.issueTypes.find((candidate) => candidate.id === request.issue_type);
    const lines = [`# [${request.case_code}] ${request.problem.subject.trim() || "(no subject)"}`, ""];
    lines.push(`- **Case code:** ${request.case_code}`, `- **Vendor:** ${view.vendor}`);
    lines.push(`- **Support tier:** ${tier?.label ?? (request.tier || "-")}`);
    lines.push(`- **Priority:** ${priority === undefined ? "-" : `${priority.label} (${priority.id})`}`);
    if (issueType !== undefined) {
      lines.push(`- **Issue type:** ${issueType.label}`);
    }
    if (request.impact.override_reason.trim() !== "") {
      lines.push(`- **Priority chosen over the proposed ${request.impact.proposed_priority}:** ${request.impact.override_reason.trim()}`);
    }
    lines.push("");
    for (const field of ["description", "operation_requested", "expected_result", "actual_result", "error_messages", "steps_to_reproduce", "troubleshooting_done", "started_at"]) {
      const value = String(request.problem[field] ?? "").trim();
      if (value !== "") {
        lines.push(`## ${labels.get(field) ?? field}`, "", value, "");
      }
    }
    lines.push("## Contact", "", `- ${request.contact.name} <${request.contact.email}>`, "");
    return lines.join("\n");
  }

  // The outbox: the fixture's items (newest first), then what the app submits.
  const settings = clone(fixtures.settingsView);
  const outbox = clone(fixtures.outboxItems).map((item) => ({ ...item, vendor: "Lab vendor", path: null }));

  function reportOf(item) {
    const { vendor: _vendor, path: _path, ...report } = item;
    return clone(report);
  }

  /** One delivery attempt with progress: folders deliver, a webhook refuses its first attempt. */
  async function attempt(item, id) {
    const steps = [
      { step: "Preparing the message", sent: 0, total: 3 },
      { step: `Delivering to ${item.destination}`, sent: 1, total: 3 },
      { step: "Reading the answer", sent: 2, total: 3 },
    ];
    item.attempts += 1;
    item.state = "sending";
    item.history.push({ at: now(), note: `attempt ${item.attempts}`, state: "sending" });
    for (let index = 0; index < steps.length; index += 1) {
      await wait(progressDelayMs);
      post(id, index, steps[index]);
    }
    await wait(progressDelayMs);
    post(id, steps.length, null, true);
    const at = now();
    item.updatedAt = at;
    if (item.kind === "webhook" && item.attempts === 1) {
      const message = `Webhook at ${item.destination} refused the connection (is it running?); it will be retried`;
      item.state = "failed-retryable";
      item.lastError = message;
      item.nextAttemptAt = new Date(Date.parse(at) + 30_000).toISOString();
      item.history.push({ at, note: `${message} (next attempt after ${item.nextAttemptAt})`, state: "failed-retryable" });
      return reportOf(item);
    }
    const sample = fixtures.outboxItems.find((candidate) => candidate.receipt !== null).receipt;
    const view = item.path !== null && drafts.has(item.path) ? viewOf(item.path) : null;
    const receipt = { ...clone(sample), caseCode: item.caseCode, channel: item.channel, id: item.id, kind: item.kind, sentAt: at };
    if (item.kind === "folder") {
      receipt.detail = `saved ${item.destination}/${item.caseCode}.eml and ${item.destination}/${item.caseCode}.zip`;
      receipt.url = `file://${item.destination}/${item.caseCode}.eml`;
      receipt.nextStep = sample.nextStep.replace("Lab vendor", item.vendor);
    } else {
      receipt.ticketId = `TCK-${20400 + outbox.indexOf(item) + item.attempts}`;
      receipt.detail = `${item.destination} answered 201 Created with ticket ${receipt.ticketId}`;
      receipt.url = `https://support.example.com/tickets/${receipt.ticketId}`;
      receipt.nextStep = null;
      receipt.sla = view?.sla ?? null;
      receipt.slaProblem = receipt.sla === null ? `${item.vendor} states no response targets for this tier and priority.` : null;
      const escalation = receipt.sla?.escalations[0];
      receipt.escalationTo = escalation?.contacts ?? [];
      receipt.escalationMessage =
        escalation === undefined
          ? ""
          : `Subject: Escalation: ${item.subject} (ticket ${receipt.ticketId})\n\nHello,\n\nWe sent case ${item.caseCode} (ticket ${receipt.ticketId}) on ${at} and have had no response within the agreed time. Please pick it up.\n`;
    }
    item.state = "sent";
    item.lastError = null;
    item.nextAttemptAt = null;
    item.receipt = receipt;
    item.history.push({ at, note: `delivered: ${receipt.detail}`, state: "sent" });
    return reportOf(item);
  }

  const fail = (code, message) => Promise.reject({ code, message });
  const known = (path) => (drafts.has(path) ? null : fail("draft_not_found", `no draft at ${path}`));

  const commands = {
    list_vendor_profiles: () => clone(fixtures.profiles),
    list_profile_problems: () => clone(fixtures.profileProblems),
    list_drafts: () =>
      [...drafts.keys()].map(summaryOf).sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0)),
    new_draft: ({ profile, tier }) => {
      const summary = profileOf(profile);
      if (summary === undefined) {
        return fail("profile_not_found", `no vendor profile "${profile}"`);
      }
      const caseCode = codes[created % codes.length] + (created >= codes.length ? `-${created}` : "");
      created += 1;
      const path = `${folder}/${caseCode}.toml`;
      const chosen = tier ?? (summary.tiers.length === 1 ? summary.tiers[0].id : "");
      drafts.set(path, { request: emptyRequest(profile, caseCode, chosen), step: 1, updatedAt: now() });
      return viewOf(path);
    },
    open_draft: ({ path }) => {
      const draft = drafts.get(path);
      if (draft?.broken !== undefined) {
        return fail("draft_invalid", draft.broken.problem);
      }
      return known(path) ?? viewOf(path);
    },
    save_draft: ({ path, request, step }) => {
      const missing = known(path);
      if (missing !== null) {
        return missing;
      }
      drafts.set(path, { request: clone(request), step, updatedAt: now() });
      return viewOf(path);
    },
    delete_draft: ({ path }) => known(path) ?? (drafts.delete(path), null),

    // ---- screenshots and the file picker ----
    list_windows: () => clone(fixtures.windows),
    capture_screenshot: ({ path, target }) => {
      const missing = known(path);
      if (missing !== null) {
        return missing;
      }
      const taken = clone(fixtures.pendingScreenshot);
      shots += 1;
      taken.id = `${String(shots).padStart(2, "0")}${taken.id.slice(2)}`;
      pendingShots.add(taken.id);
      const window = target.kind === "window" ? fixtures.windows.find((candidate) => candidate.id === target.id) : undefined;
      taken.name = window?.title ?? "screen";
      waiting.set(taken.id, { path, shot: clone(taken) });
      return taken;
    },
    pick_screenshots: ({ path }) => {
      const missing = known(path);
      if (missing !== null) {
        return missing;
      }
      const picked = clone(fixtures.pendingScreenshot);
      shots += 1;
      picked.id = `${String(shots).padStart(2, "0")}${picked.id.slice(2)}`;
      picked.name = "error dialog";
      picked.stripped = ["EXIF (GPS position, camera)"];
      pendingShots.add(picked.id);
      waiting.set(picked.id, { path, shot: clone(picked) });
      return [picked];
    },
    import_screenshots: ({ path, files }) => {
      const missing = known(path);
      if (missing !== null) {
        return missing;
      }
      return files.map((file) => {
        const imported = clone(fixtures.pendingScreenshot);
        shots += 1;
        imported.id = `${String(shots).padStart(2, "0")}${imported.id.slice(2)}`;
        imported.name = file.replace(/^.*[\\/]/, "").replace(/\.[A-Za-z]+$/, "");
        pendingShots.add(imported.id);
        waiting.set(imported.id, { path, shot: clone(imported) });
        return imported;
      });
    },
    pending_screenshots: ({ path }) =>
      known(path) ?? [...waiting.values()].filter((entry) => entry.path === path && pendingShots.has(entry.shot.id)).map((entry) => clone(entry.shot)),
    pick_files: () => ["/home/ana/Documents/agent-notes.txt"],
    accept_screenshot: ({ path, id, name, blackOut }) => {
      const missing = known(path);
      if (missing !== null) {
        return missing;
      }
      if (!pendingShots.has(id)) {
        return fail("not_found", `no pending screenshot "${id}": it was already added or discarded; capture or pick it again`);
      }
      pendingShots.delete(id);
      const saved = clone(fixtures.savedScreenshot);
      const folder = saved.path.slice(0, saved.path.lastIndexOf("/"));
      saved.path = `${folder}/${name}.png`;
      saved.boxes = blackOut.length;
      return saved;
    },
    discard_screenshot: ({ id }) =>
      pendingShots.delete(id) ? null : fail("not_found", `no pending screenshot "${id}": it was already added or discarded`),

    // ---- wizard-contract-2: evidence, bundle, delivery, outbox, phone mode ----
    preview_evidence: ({ path, selection }) => known(path) ?? previewOf(path, selection),
    read_collection_code: ({ path, code }) => {
      const missing = known(path);
      if (missing !== null) {
        return missing;
      }
      const typed = String(code);
      const symbols = typed.toUpperCase().replace(/[\s-]/g, "");
      if (!/^CC[0-9A-HJKMNP-TV-Z]{8}$/.test(symbols)) {
        return fail(
          "invalid_code",
          `${JSON.stringify(typed)} is not a collection code: it has CC- and 8 symbols (digits and letters except I, L, O, U), like CC-4G7K-2MQ8`,
        );
      }
      const selection = collectionCodes[symbols];
      if (selection === undefined) {
        return fail(
          "invalid_code",
          `collection code ${JSON.stringify(typed)} does not check out: a symbol was probably misheard or mistyped; ask for it again`,
        );
      }
      return clone(selection);
    },
    build_bundle: async ({ path, selection, channel, onProgress }) => {
      const missing = known(path);
      if (missing !== null) {
        return missing;
      }
      const id = channelId(onProgress);
      const report = bundleOf(path, selection, channel);
      const total = report.entries.length;
      const steps = [
        { phase: "plan", itemsDone: 0, itemsTotal: total, bytesDone: 0, bytesTotal: report.inputBytes, current: "" },
        ...report.entries.map((entry, index) => ({
          phase: "write",
          itemsDone: index,
          itemsTotal: total,
          bytesDone: report.entries.slice(0, index).reduce((sum, done) => sum + done.size, 0),
          bytesTotal: report.inputBytes,
          current: entry.name,
        })),
        { phase: "verify", itemsDone: total, itemsTotal: total, bytesDone: report.inputBytes, bytesTotal: report.inputBytes, current: "" },
        { phase: "done", itemsDone: total, itemsTotal: total, bytesDone: report.inputBytes, bytesTotal: report.inputBytes, current: "" },
      ];
      building = { cancelled: false };
      const mine = building;
      try {
        for (let index = 0; index < steps.length; index += 1) {
          await wait(progressDelayMs);
          if (mine.cancelled) {
            post(id, index, null, true);
            return fail("cancelled", "the bundle was cancelled");
          }
          post(id, index, steps[index]);
        }
        post(id, steps.length, null, true);
        bundles.set(path, report);
        selections.set(path, clone(selection));
        builtFrom.set(path, JSON.stringify([drafts.get(path).request, selection]));
        return clone(report);
      } finally {
        if (building === mine) {
          building = null;
        }
      }
    },
    cancel_bundle: () => {
      if (building !== null) {
        building.cancelled = true;
      }
      return null;
    },
    redaction_preview: ({ file }) => {
      const text = redactedTexts[file] ?? `${file}, redacted as the bundle will carry it.\n[redacted lines of the fake backend]\n`;
      const encoder = new TextEncoder();
      const spans = [...text.matchAll(/\[REDACTED\]|240\.\d+\.\d+\.\d+|host-[0-9a-f]{8}/g)].map((match) => {
        const start = encoder.encode(text.slice(0, match.index)).length;
        const category = match[0] === "[REDACTED]" ? "secret" : match[0].startsWith("host-") ? "hostname" : "ipv4";
        return { start, end: start + encoder.encode(match[0]).length, category, kind: category === "secret" ? "password" : null, kept: false };
      });
      const redactions = Object.fromEntries(
        spans.reduce((counts, span) => counts.set(span.category, (counts.get(span.category) ?? 0) + 1), new Map()),
      );
      return { file, text, truncated: false, redactions, spans };
    },
    disclosure_review: async ({ path, selection, channel }) => {
      const missing = known(path);
      if (missing !== null) {
        return missing;
      }
      await wait(progressDelayMs);
      return bundleOf(path, selection, channel).disclosure;
    },
    attach_pasted_text: ({ path, field }) => {
      const missing = known(path);
      if (missing !== null) {
        return missing;
      }
      const draft = drafts.get(path);
      const text = draft.request.problem[field] ?? "";
      if (text.trim() === "") {
        return fail("nothing_to_attach", `field ${field} is empty: there is nothing to attach`);
      }
      const name = `${draft.request.case_code}-${field}.log`;
      draft.request.problem[field] = `(The log pasted here, ${text.split("\n").length} lines, is attached as ${name}.)`;
      draft.request.evidence.push({ evidence_id: "", path: name, note: `the log pasted into ${field}` });
      return viewOf(path);
    },
    render_request: ({ path }) => known(path) ?? markdownOf(path),
    list_channels: () => clone(fixtures.channels),
    // Settings: answered from the settings fixture, changed in memory; the core's checks are
    // tested in Rust, here a remote http URL stands for a refused field.
    new_draft_defaults: () => ({ profile: null, tier: null }),
    get_settings: () => clone(settings),
    save_defaults: ({ defaults }) => {
      settings.defaults = clone(defaults);
      return clone(settings);
    },
    save_channel: ({ name, kind, fields }) => {
      if ((fields.url ?? "").startsWith("http://")) {
        throw { code: "setting_invalid", message: `channel ${name}: plain http is only allowed to this machine; use https`, field: "url" };
      }
      const channel = { name, kind, destination: fields.url ?? fields.host ?? fields.path ?? "", values: clone(fields), otherKeys: [], secret: kind === "folder" ? null : fields.secret || name, secretSource: null, secretEnv: null, default: false, builtIn: false };
      settings.channels = [...settings.channels.filter((candidate) => candidate.name !== name), channel];
      return clone(settings);
    },
    remove_channel: ({ name }) => {
      settings.channels = settings.channels.filter((candidate) => candidate.name !== name);
      return clone(settings);
    },
    set_secret: ({ name }) => {
      settings.channels = settings.channels.map((channel) => (channel.secret === name ? { ...channel, secretSource: "keychain" } : channel));
      return clone(settings);
    },
    delete_secret: ({ name }) => {
      settings.channels = settings.channels.map((channel) => (channel.secret === name ? { ...channel, secretSource: null } : channel));
      return clone(settings);
    },
    test_channel: ({ name }) => ({ ...clone(fixtures.channelCheck), channel: name }),
    export_key: () => clone(fixtures.keyExport),
    import_key: ({ text }) => {
      if (!text.trim().startsWith("casefile-key-v1:")) {
        throw { code: "key_invalid", message: "not a Casefile key export; expected `casefile-key-v1:` followed by 64 hex digits" };
      }
      settings.key = { ...settings.key, exists: true, fingerprint: "0a1b2c3d" };
      return clone(settings);
    },
    submit_draft: async ({ path, channel, again, onProgress }) => {
      const missing = known(path);
      if (missing !== null) {
        return missing;
      }
      const bundle = bundles.get(path);
      if (bundle === undefined) {
        return fail("bundle_missing", `no bundle for ${drafts.get(path).request.case_code}: build it first`);
      }
      const spec = fixtures.channels.find((candidate) => candidate.name === channel);
      if (spec === undefined) {
        return fail("unknown_channel", `no channel "${channel}" in config.toml`);
      }
      const view = viewOf(path);
      const errors = view.problems.filter((problem) => problem.severity === "error");
      if (errors.length > 0) {
        return fail("draft_not_ready", `the request is not complete: ${errors.map((problem) => problem.field).join(", ")}`);
      }
      const caseCode = drafts.get(path).request.case_code;
      const itemId = `${caseCode}.${channel}`;
      const earlier = outbox.find((item) => item.id === itemId);
      if (earlier !== undefined && earlier.state === "sent" && !again) {
        return fail("already_submitted", `${caseCode} was already sent by ${channel} on ${earlier.updatedAt}; pass again to send it once more`);
      }
      const item = {
        attachments: [{ name: `${caseCode}.zip`, sha256: "0".repeat(64), size: bundle.bundleBytes }],
        attempts: 0,
        caseCode,
        channel,
        createdAt: now(),
        destination: spec.destination,
        history: [],
        id: itemId,
        kind: spec.kind,
        lastError: null,
        nextAttemptAt: null,
        receipt: null,
        state: "queued",
        subject: `[${caseCode}] ${drafts.get(path).request.problem.subject}`,
        updatedAt: "",
        vendor: view.vendor,
        path,
      };
      item.updatedAt = item.createdAt;
      item.history.push({ at: item.createdAt, note: "entered the outbox", state: "queued" });
      const at = outbox.indexOf(earlier);
      if (at >= 0) {
        outbox.splice(at, 1);
      }
      outbox.unshift(item);
      return attempt(item, channelId(onProgress));
    },
    list_outbox: () => outbox.map(reportOf),
    open_saved_email: ({ id }) => {
      const item = outbox.find((candidate) => candidate.id === id);
      if (item === undefined || item.kind !== "folder" || item.state !== "sent") {
        return fail("not_found", `${id} was not saved as an e-mail to send`);
      }
      return null;
    },
    show_saved_email: ({ id }) => {
      const item = outbox.find((candidate) => candidate.id === id);
      if (item === undefined || item.kind !== "folder" || item.state !== "sent") {
        return fail("not_found", `${id} was not saved as an e-mail to send`);
      }
      return null;
    },
    retry_outbox: ({ id, onProgress }) => {
      const item = outbox.find((candidate) => candidate.id === id);
      if (item === undefined) {
        return fail("not_found", `no outbox item ${id}`);
      }
      return attempt(item, channelId(onProgress));
    },
    remove_outbox: ({ id }) => {
      const at = outbox.findIndex((candidate) => candidate.id === id);
      if (at < 0) {
        return fail("not_found", `no outbox item ${id}`);
      }
      outbox.splice(at, 1);
      return null;
    },
    machine_summary: ({ path }) => known(path) ?? clone(fixtures.machineSummary),
    saved_evidence: ({ path }) => {
      const missing = known(path);
      if (missing !== null) {
        return missing;
      }
      const selection = selections.get(path) ?? null;
      const bundle = bundles.get(path) ?? null;
      const current = bundle !== null && builtFrom.get(path) === JSON.stringify([drafts.get(path).request, selection]);
      return { selection: clone(selection), bundle: clone(bundle), bundleCurrent: current };
    },
    save_selection: ({ path, selection }) => {
      const missing = known(path);
      if (missing !== null) {
        return missing;
      }
      selections.set(path, clone(selection));
      return null;
    },
  };

  for (const entry of seed ?? []) {
    if (entry.broken !== undefined) {
      drafts.set(entry.broken.path, { broken: entry.broken, updatedAt: entry.broken.updatedAt });
    } else {
      drafts.set(entry.path, { request: clone(entry.request), step: entry.step, updatedAt: now() });
    }
  }

  const callbacks = new Map();
  function transformCallback(callback, once = false) {
    const id = window.crypto.getRandomValues(new Uint32Array(1))[0];
    callbacks.set(id, (data) => {
      if (once) {
        callbacks.delete(id);
      }
      return callback?.(data);
    });
    return id;
  }

  async function invoke(cmd, args = {}) {
    calls.push({ cmd, args: clone(args) });
    const handler = commands[cmd];
    if (handler === undefined) {
      throw `Command ${cmd} not found`;
    }
    if (cmd === "save_draft" && saveDelayMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, saveDelayMs));
    }
    return handler(args);
  }

  window.__TAURI_INTERNALS__ = {
    invoke,
    transformCallback,
    unregisterCallback: (id) => callbacks.delete(id),
    runCallback: (id, data) => callbacks.get(id)?.(data),
    callbacks,
    convertFileSrc: (path, protocol = "asset") => `${protocol}://localhost/${encodeURIComponent(path)}`,
    metadata: { currentWindow: { label: "main" }, currentWebview: { windowLabel: "main", label: "main" } },
  };
  window.__TAURI_EVENT_PLUGIN_INTERNALS__ = { unregisterListener: (_event, id) => callbacks.delete(id) };
  // For the tests: what the app asked for, and the drafts as the fake backend holds them.
  window.__fakeBackend = { calls, drafts, outbox, bundles };
}
