import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, describe, expect, test } from "vitest";
import settingsFixture from "../lib/fixtures/settings-view.json";
import keyFixture from "../lib/fixtures/key-export.json";
import type { SettingsView as View } from "../lib/types";
import SettingsView from "./SettingsView.svelte";

afterEach(() => {
  clearMocks();
});

const FAKE_SECRET = "FAKE-token-vitest-1234";

function backend(): { command: string; args: Record<string, unknown> }[] {
  const calls: { command: string; args: Record<string, unknown> }[] = [];
  let view: View = structuredClone(settingsFixture) as View;
  mockIPC((command, args) => {
    const given = (args ?? {}) as Record<string, unknown>;
    calls.push({ command, args: given });
    switch (command) {
      case "get_settings":
        return view;
      case "save_defaults": {
        const defaults = given["defaults"] as View["defaults"];
        if (defaults.timeZone === "Mars/Olympus") {
          throw { code: "setting_invalid", message: 'time_zone: unknown time zone "Mars/Olympus"', field: "time_zone" };
        }
        view = { ...view, defaults };
        return view;
      }
      case "save_channel": {
        const fields = given["fields"] as Record<string, string>;
        if ((fields["url"] ?? "").startsWith("http://")) {
          throw { code: "setting_invalid", message: "channel hook: plain http is only allowed to this machine", field: "url" };
        }
        view = {
          ...view,
          channels: [
            ...view.channels,
            { name: given["name"] as string, kind: given["kind"] as string, destination: fields["url"] ?? "", values: fields, otherKeys: [], secret: "hook", secretSource: null, secretEnv: "CASEFILE_SECRET_HOOK", default: false, builtIn: false },
          ],
        };
        return view;
      }
      case "set_secret":
        view = { ...view, channels: view.channels.map((channel) => (channel.secret === given["name"] ? { ...channel, secretSource: "keychain" } : channel)) };
        return view;
      case "remove_channel":
        view = { ...view, channels: view.channels.filter((channel) => channel.name !== given["name"]) };
        return view;
      case "test_channel":
        return { channel: given["name"], kind: "folder", detail: "saves into /tmp (exists, writable)" };
      case "export_key":
        return keyFixture;
      case "import_key":
        if (!(given["text"] as string).startsWith("casefile-key-v1:")) {
          throw { code: "key_invalid", message: "not a Casefile key export" };
        }
        view = { ...view, key: { ...view.key, fingerprint: "12345678" } };
        return view;
      default:
        throw `unexpected command ${command}`;
    }
  });
  return calls;
}

describe("SettingsView", () => {
  test("shows the defaults, the channels with where their secrets are, the paths and the key", async () => {
    backend();
    render(SettingsView);
    const profile = (await screen.findByLabelText("Vendor profile for new requests")) as HTMLSelectElement;
    expect(profile.value).toBe("jumpcloud");
    expect((screen.getByLabelText("Support tier") as HTMLSelectElement).value).toBe("premium");
    const channels = screen.getByRole("region", { name: "Channels" });
    expect(channels.textContent).toContain("Secret helpdesk: in the keychain");
    expect(channels.textContent).toContain("Request Tracker");
    expect(screen.getByRole("region", { name: "Data locations" }).textContent).toContain("/home/user/.local/share/casefile/outbox");
    expect(screen.getByRole("region", { name: "Pseudonym key" }).textContent).toContain(settingsFixture.key.fingerprint ?? "");
    // "Not set" says what happens then, in words; adding a channel is an ordinary button.
    const none = [...profile.options].find((option) => option.value === "" || option.textContent?.startsWith("None"));
    expect(none?.textContent).toBe("None: choose the vendor for each request");
    expect(document.body.textContent).not.toContain("(not set");
    expect(within(channels).getByRole("button", { name: "Add a channel" }).classList.contains("secondary")).toBe(true);
  });

  test("a refused default is shown beside its field", async () => {
    const calls = backend();
    render(SettingsView);
    const zone = await screen.findByLabelText("Time zone");
    await fireEvent.input(zone, { target: { value: "Mars/Olympus" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save defaults" }));
    await waitFor(() => expect(zone.getAttribute("aria-invalid")).toBe("true"));
    expect(zone.getAttribute("aria-describedby")).toContain("time-zone-error");
    expect(document.getElementById("time-zone-error")?.textContent).toContain("unknown time zone");
    expect(calls.filter((call) => call.command === "save_defaults")).toHaveLength(1);
  });

  test("adding a channel shows only its kind's fields, puts the password in the keychain and never in the fields", async () => {
    const calls = backend();
    render(SettingsView);
    await fireEvent.click(await screen.findByRole("button", { name: "Add a channel" }));
    const form = screen.getByRole("form", { name: "Add a channel" });
    await fireEvent.input(within(form).getByLabelText("Name"), { target: { value: "hook" } });
    const kind = within(form).getByLabelText("Kind") as HTMLSelectElement;
    await fireEvent.change(kind, { target: { value: "webhook" } });
    expect(within(form).queryByLabelText(/Queue/)).toBeNull();
    const url = within(form).getByLabelText(/^URL/);
    await fireEvent.input(url, { target: { value: "http://hooks.example.test/x" } });
    await fireEvent.input(within(form).getByLabelText("Secret name"), { target: { value: "hook" } });
    await fireEvent.input(within(form).getByLabelText("Password or token"), { target: { value: FAKE_SECRET } });
    await fireEvent.click(within(form).getByRole("button", { name: "Save channel" }));
    await waitFor(() => expect(url.getAttribute("aria-invalid")).toBe("true"));
    expect(form.textContent).toContain("plain http is only allowed");

    await fireEvent.input(url, { target: { value: "https://hooks.example.test/x" } });
    await fireEvent.click(within(form).getByRole("button", { name: "Save channel" }));
    await waitFor(() => expect(screen.getByRole("region", { name: "Channels" }).textContent).toContain("Secret hook: in the keychain"));
    const saves = calls.filter((call) => call.command === "save_channel");
    expect(JSON.stringify(saves)).not.toContain(FAKE_SECRET);
    expect(calls.find((call) => call.command === "set_secret")?.args).toEqual({ name: "hook", value: FAKE_SECRET });
  });

  test("remove asks first, then removes", async () => {
    const calls = backend();
    render(SettingsView);
    await fireEvent.click(await screen.findByRole("button", { name: "Remove channel mail" }));
    expect(calls.some((call) => call.command === "remove_channel")).toBe(false);
    await fireEvent.click(within(screen.getByRole("group", { name: "Confirm removing mail" })).getByRole("button", { name: "Remove" }));
    await waitFor(() => expect(screen.queryByRole("button", { name: "Remove channel mail" })).toBeNull());
  });

  test("export shows the line with a warning; import needs a confirmation and shows a bad key beside the field", async () => {
    const calls = backend();
    render(SettingsView);
    await fireEvent.click(await screen.findByRole("button", { name: "Export…" }));
    const line = (await screen.findByLabelText("Exported key")) as HTMLInputElement;
    expect(line.value).toBe(keyFixture.line);
    expect(screen.getByText("Keep this secret.")).toBeTruthy();
    await fireEvent.click(screen.getByRole("button", { name: "Hide" }));

    await fireEvent.click(screen.getByRole("button", { name: "Import…" }));
    const field = screen.getByLabelText("Exported key from another machine");
    await fireEvent.input(field, { target: { value: "nonsense" } });
    await fireEvent.click(screen.getByRole("button", { name: "Import" }));
    expect(calls.some((call) => call.command === "import_key")).toBe(false);
    expect(screen.getByRole("alert").textContent).toContain("replaces the current key");
    await fireEvent.click(screen.getByRole("button", { name: "Replace the key" }));
    await waitFor(() => expect(field.getAttribute("aria-invalid")).toBe("true"));
    expect(document.getElementById("key-import-error")?.textContent).toContain("not a Casefile key export");

    await fireEvent.input(field, { target: { value: `casefile-key-v1:${"ab".repeat(32)}` } });
    await fireEvent.click(screen.getByRole("button", { name: "Import" }));
    await fireEvent.click(screen.getByRole("button", { name: "Replace the key" }));
    await waitFor(() => expect(screen.getByRole("region", { name: "Pseudonym key" }).textContent).toContain("12345678"));
  });
});
