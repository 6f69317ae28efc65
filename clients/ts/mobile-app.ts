// What a member's mobile app does with the generated client: show the tier and the recent
// ledger, and tell the member what went wrong from the problem+json body. Type-checked in CI
// (`tsc --noEmit --strict`) against types generated from openapi/openapi.json, so a contract
// change that would break the app fails the build.
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/schema";

type Problem = components["schemas"]["Problem"];
type TierStatus = components["schemas"]["TierStatus"];
type LedgerEntry = components["schemas"]["LedgerEntryPublic"];

export interface MemberScreen {
  tier: string;
  tierName: string;
  balance: string; // a decimal string: never parsed into a float
  pointsToNextTier: string | null;
  recent: { when: string; kind: string; points: string }[];
}

export class ApiProblem extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.status} ${problem.code}: ${problem.detail}`);
  }
  /** What to show the member: field errors when the input was wrong, else the detail. */
  get userMessage(): string {
    const fields = this.problem.errors ?? [];
    if (fields.length > 0) return fields.map((e) => `${e.field}: ${e.message}`).join("; ");
    return this.problem.status === 404 ? "This membership was not found." : this.problem.detail;
  }
}

export function memberClient(baseUrl: string, apiKey: string) {
  return createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${apiKey}` } });
}

export async function loadMemberScreen(
  client: ReturnType<typeof memberClient>,
  customerId: string,
): Promise<MemberScreen> {
  const tier = await client.GET("/v1/customers/{customer_id}/tier", {
    params: { path: { customer_id: customerId } },
  });
  if (tier.error) throw new ApiProblem(tier.error);
  const ledger = await client.GET("/v1/customers/{customer_id}/points/ledger", {
    params: { path: { customer_id: customerId }, query: { limit: 20 } },
  });
  if (ledger.error) throw new ApiProblem(ledger.error);
  return toScreen(tier.data, ledger.data.items);
}

function toScreen(tier: TierStatus, entries: LedgerEntry[]): MemberScreen {
  return {
    tier: tier.tier,
    tierName: tier.tier_name,
    balance: tier.balance,
    pointsToNextTier: tier.points_to_next_tier,
    recent: entries.map((e) => ({ when: e.created_at, kind: e.kind, points: e.points })),
  };
}
