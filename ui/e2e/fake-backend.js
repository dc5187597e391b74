// A stand-in for the Rust side, run in the page before the app's own code (Playwright's
// `addInitScript`). It defines `window.__TAURI_INTERNALS__` the way `@tauri-apps/api/mocks`
// `mockIPC` does (`invoke`, `transformCallback`, callbacks), and answers the app's commands:
// profiles from the Rust-generated fixtures (`src/lib/fixtures/*.json`), drafts from a small
// in-memory store whose views are built from the fixture views. It is deliberately simple: the
// real validation, proposal and response-target logic is the core's and is tested in Rust; this
// recomputes only what the UI needs to move (required fields, checklist, a proposal).
//
// The function is serialised into the page, so it must not close over anything: all it gets is
// `options` = { fixtures, seed, saveDelayMs }.
export function installFakeTauri(options) {
  const { fixtures, seed, saveDelayMs } = options;
  const clone = (value) => JSON.parse(JSON.stringify(value));
  const drafts = new Map(); // path -> { request, step, updatedAt }
  const calls = [];
  const codes = ["CF-7K2M-9QXD", "CF-3HVP-42WA", "CF-9TRN-6BEX", "CF-5MCJ-81QF", "CF-2DKX-73LP"];
  let created = 0;
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
    return clone({ ...base, path, step: draft.step, request, steps, problems, proposal, notices, sla, slaProblem });
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
  window.__fakeBackend = { calls, drafts };
}
