import type { LoaderFunctionArgs } from "@remix-run/node";
import { prisma } from "../db.server";
import { listExperiments } from "../domain/experiments/experiments.server";
import { authenticatedShop } from "../http/admin-shop.server";
import { jsonResponse } from "../http/json";
import { getOnlyAction } from "../http/method-not-allowed";
import { apiRefusal, experimentsRefused } from "../http/plan-gate.server";

// GET /api/reports/experiments: the shop's experiments, newest first, as the Experiments page lists them.
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await authenticatedShop(request);
  const refused = await experimentsRefused(shop);
  if (refused) return apiRefusal(refused);
  const experiments = await listExperiments(prisma, shop.id);
  return jsonResponse(
    {
      shop: shop.domain,
      experiments: experiments.map((experiment) => ({
        id: experiment.id,
        name: experiment.name,
        status: experiment.status,
        primaryMetric: experiment.primaryMetric,
        startedAt: experiment.startedAt?.toISOString() ?? null,
        plannedEndAt: experiment.plannedEndAt?.toISOString() ?? null,
        endedAt: experiment.endedAt?.toISOString() ?? null,
        arms: experiment.arms.map(({ key, name, weight, showChat, variant }) => ({
          key,
          name,
          weight,
          showChat,
          variant,
        })),
      })),
    },
    { headers: { "Cache-Control": "no-store" } },
  );
};

export const action = getOnlyAction;
