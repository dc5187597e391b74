// Phone mode is remembered on this computer (localStorage), not per draft: a user who is on the
// phone with support keeps it on while switching between screens and restarts.

const KEY = "casefile.phoneMode";

export function loadPhoneMode(storage: Storage | undefined = globalThis.localStorage): boolean {
  try {
    return storage?.getItem(KEY) === "on";
  } catch {
    return false;
  }
}

export function savePhoneMode(on: boolean, storage: Storage | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(KEY, on ? "on" : "off");
  } catch {
    // Storage refused (private mode, quota): the toggle still works for this session.
  }
}
