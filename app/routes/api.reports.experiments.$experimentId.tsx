import type { LoaderFunctionArgs } from "@remix-run/node";
import { prisma } from "../db.server";
import { loadExperimentReport } from "../domain/experiments/experiment-report.server";
import { findExperiment } from "../domain/experiments/experiments.server";
import { authenticatedShop } from "../http/admin-shop.server";
import { jsonResponse } from "../http/json";
import { getOnlyAction } from "../http/method-not-allowed";
import { apiRefusal, experimentsRefused } from "../http/plan-gate.server";

// GET /api/reports/experiments/<id>: an experiment's figures, lifts and verdicts, as the Experiments page shows them.
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const shop = await authenticatedShop(request);
  const refused = await experimentsRefused(shop);
  if (refused) return apiRefusal(refused);
  const experiment = await findExperiment(prisma, shop.id, params.experimentId ?? "");
  if (!experiment) return jsonResponse({ error: "There is no such experiment in this shop" }, { status: 404 });
  const report = await loadExperimentReport(prisma, shop, experiment);
  return jsonResponse(report, { headers: { "Cache-Control": "no-store" } });
};

export const action = getOnlyAction;
