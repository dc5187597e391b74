// Copying text for the user. The webview's clipboard API may be missing or refused (no
// permission, not a secure context); callers then tell the user to select and copy by hand.

/** Copies `text`; `false` when the clipboard is not available. */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (typeof navigator === "undefined" || navigator.clipboard === undefined) {
      return false;
    }
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
