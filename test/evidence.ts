import { englishSteps } from "../app/domain/attribution/engine";
import type { EvidencePhrase } from "../app/domain/attribution/evidence-text";

/** A stored attribution's evidence steps in English, as the API reads them (the row keeps them as facts). */
export function evidenceSteps(evidence: unknown): string[] {
  const { facts, steps } = (evidence ?? {}) as { facts?: EvidencePhrase[]; steps?: string[] };
  return facts ? englishSteps(facts) : (steps ?? []);
}
