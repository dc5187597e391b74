import { describe, expect, test } from "vitest";
import { stepsFor } from "../testing/draft-view";
import { controlId, placeProblems } from "./problems";
import type { ProblemReport } from "./types";

const problem = (field: string, severity = "error"): ProblemReport => ({ field, severity, message: `${field} is wrong` });

describe("placeProblems", () => {
  test("each problem goes beside its field, to its step's list, or to the draft level", () => {
    const problems = [
      problem("subject"),
      problem("checklist", "warning"),
      problem("endpoints[1].ip"),
      problem("answers.users_affected"),
      problem("evidence", "warning"),
      problem("case_code"),
    ];
    const placement = placeProblems(problems, stepsFor([]));
    expect([...(placement.steps.get("problem")?.beside.keys() ?? [])]).toEqual(["subject", "checklist"]);
    expect([...(placement.steps.get("scope")?.beside.keys() ?? [])]).toEqual(["endpoints[1].ip"]);
    expect(placement.steps.get("impact")?.listed.map((p) => p.field)).toEqual(["answers.users_affected"]);
    expect(placement.steps.get("evidence")?.listed.map((p) => p.field)).toEqual(["evidence"]);
    expect(placement.unplaced.map((p) => p.field)).toEqual(["case_code"]);
  });

  test("control ids: fields by id, endpoint problems by row and column", () => {
    expect(controlId("subject")).toBe("field-subject");
    expect(controlId("extra.org_id")).toBe("field-extra.org_id");
    expect(controlId("endpoints[2].ip")).toBe("endpoint-2-ip");
    expect(controlId("endpoints[0]")).toBe("endpoint-0-hostname");
  });
});
