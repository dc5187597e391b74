import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { afterEach, describe, expect, test } from "vitest";
import problems from "../lib/fixtures/profile-problems.json";
import summaries from "../lib/fixtures/profile-summaries.json";
import ProfilesView from "./ProfilesView.svelte";

afterEach(() => {
  clearMocks();
});

function replyWith(profiles: unknown, profileProblems: unknown): void {
  mockIPC((command) => {
    switch (command) {
      case "list_vendor_profiles":
        return profiles;
      case "list_profile_problems":
        return profileProblems;
      default:
        throw `unexpected command ${command}`;
    }
  });
}

describe("ProfilesView", () => {
  test("shows a loading state, then one card per profile", async () => {
    replyWith(summaries, []);
    render(ProfilesView);
    expect(screen.getByRole("status").textContent).toContain("Loading vendor profiles");

    const list = await screen.findByRole("list", { name: "Vendor profiles" });
    const cards = within(list).getAllByRole("article");
    expect(cards).toHaveLength(6);
    expect(cards.map((card) => within(card).getByRole("heading", { level: 3 }).textContent)).toEqual(
      summaries.map((profile) => profile.name),
    );
    expect(screen.queryByRole("status")).toBeNull();
    expect(screen.getByText("6 available")).toBeTruthy();
  });

  test("a card shows id, version, tiers, priorities and the portal as text", async () => {
    replyWith(summaries, []);
    render(ProfilesView);
    const card = await screen.findByRole("article", { name: "JumpCloud" });
    const jumpcloud = summaries.find((profile) => profile.id === "jumpcloud");
    if (jumpcloud === undefined) {
      throw new Error("fixture has no jumpcloud profile");
    }
    expect(within(card).getByText("jumpcloud")).toBeTruthy();
    expect(within(card).getByText(jumpcloud.version)).toBeTruthy();
    const tiers = within(card).getByRole("list", { name: "Tiers of JumpCloud" });
    expect(within(tiers).getAllByRole("listitem").map((item) => item.textContent)).toEqual(
      jumpcloud.tiers.map((tier) => tier.label),
    );
    const priorities = within(card).getByRole("list", { name: "Priorities of JumpCloud" });
    expect(within(priorities).getAllByRole("listitem")).toHaveLength(jumpcloud.priorities.length);
    if (jumpcloud.portalUrl !== null) {
      expect(within(card).getByText(jumpcloud.portalUrl)).toBeTruthy();
    }
    // The portal is plain text: nothing in the view links to or loads remote content.
    expect(within(card).queryByRole("link")).toBeNull();
    expect(card.querySelector("img, iframe")).toBeNull();
  });

  test("an error shows its code and message, and Try again reloads", async () => {
    let failing = true;
    mockIPC((command) => {
      if (failing) {
        throw { code: "config_dir_unavailable", message: "cannot find the configuration directory" };
      }
      return command === "list_vendor_profiles" ? summaries : [];
    });
    render(ProfilesView);

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not load vendor profiles");
    expect(alert.textContent).toContain("cannot find the configuration directory");
    expect(within(alert).getByText("config_dir_unavailable")).toBeTruthy();
    expect(screen.queryByRole("list", { name: "Vendor profiles" })).toBeNull();

    failing = false;
    await fireEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    const list = await screen.findByRole("list", { name: "Vendor profiles" });
    expect(within(list).getAllByRole("article")).toHaveLength(6);
    expect(screen.queryByRole("alert")).toBeNull();
  });

  test("load problems appear in a banner above the list", async () => {
    replyWith(summaries, problems);
    render(ProfilesView);
    const banner = await screen.findByRole("complementary", { name: "Some vendor profiles could not be loaded" });
    expect(banner.textContent).toContain("2 problems were found");
    const items = within(banner).getAllByRole("listitem");
    expect(items).toHaveLength(2);
    // The first fixture problem has a line and a key, the second has neither.
    const [located, unlocated] = problems;
    expect(items[0]?.textContent).toContain(`${located?.file}:${located?.line}`);
    expect(items[0]?.textContent).toContain(`at ${located?.key}`);
    expect(items[0]?.textContent).toContain(located?.message);
    expect(items[1]?.textContent).toContain(unlocated?.message);
    expect(items[1]?.textContent).not.toContain(" at ");
    expect(within(await screen.findByRole("list", { name: "Vendor profiles" })).getAllByRole("article")).toHaveLength(6);
  });

  test("no banner when every profile loaded", async () => {
    replyWith(summaries, []);
    render(ProfilesView);
    await screen.findByRole("list", { name: "Vendor profiles" });
    expect(screen.queryByRole("complementary")).toBeNull();
  });
});
