import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, DataTable, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { ReportErrorBoundary } from "../components/ReportStates";
import { DailyLineChart } from "../components/DailyLineChart";
import { prisma } from "../db.server";
import { loadExperimentReport, type ExperimentReport } from "../domain/experiments/experiment-report.server";
import {
  deleteDraft,
  endExperiment,
  ExperimentStateError,
  findExperiment,
  publishRunningExperiment,
  startExperiment,
} from "../domain/experiments/experiments.server";
import { liftSentence, METRIC_LABEL, verdictText } from "../domain/experiments/verdict-text";
import { authenticatedAdmin } from "../http/admin-shop.server";
import { jsonResponse } from "../http/json";
import { formatChange, formatCount, formatCurrency, formatDateTime, formatPercent } from "../lib/format";
import { appMetafieldsApi } from "../shopify/admin-api.server";
import { STATUS_BADGE } from "./app.experiments._index";
import { pageTitle } from "../components/page-title";
import { AppTitleBar } from "../components/AppTitleBar";

export const meta = pageTitle("Experiment");

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { shop } = await authenticatedAdmin(request);
  const experiment = await findExperiment(prisma, shop.id, params.experimentId ?? "");
  if (!experiment) throw jsonResponse({ error: "There is no such experiment in this shop" }, { status: 404 });
  return {
    report: await loadExperimentReport(prisma, shop, experiment),
    publish: { at: experiment.publishedAt?.toISOString() ?? null, error: experiment.publishError },
    shop: { currency: shop.currency, timezone: shop.timezone, locale: shop.locale },
  };
};

type ActionResult = { ok: boolean; message: string };

/** Start, end, delete a draft, or tell the storefront again: each changes the experiment, then the metafield. */
export const action = async ({ request, params }: ActionFunctionArgs) => {
  const { shop, admin } = await authenticatedAdmin(request);
  const id = params.experimentId ?? "";
  const intent = String((await request.formData()).get("intent"));
  const publish = () => publishRunningExperiment(prisma, appMetafieldsApi(admin), shop.id, id);
  try {
    if (intent === "start") await startExperiment(prisma, shop.id, id);
    else if (intent === "end") await endExperiment(prisma, shop.id, id);
    else if (intent === "delete") {
      await deleteDraft(prisma, shop.id, id);
      return redirect("/app/experiments");
    } else if (intent !== "publish")
      return jsonResponse({ ok: false, message: "intent must be start, end, delete or publish" }, { status: 400 });
  } catch (error) {
    if (!(error instanceof ExperimentStateError)) throw error;
    return jsonResponse({ ok: false, message: error.message } satisfies ActionResult, { status: 409 });
  }
  const published = await publish();
  const done: Record<string, string> = {
    start: "Started: the storefront assigns visitors from now on.",
    end: "Ended: the storefront stopped assigning visitors.",
    publish: "The storefront has the experiment as it stands.",
  };
  return jsonResponse({
    ok: published.ok,
    message: published.ok ? done[intent] : `Saved, but the storefront could not be told: ${published.reason}`,
  } satisfies ActionResult);
};

/** The cumulative lift of the primary metric, day by day, with its always-valid band. Drawn after hydration. */
function LiftChart({ report, locale }: { report: ExperimentReport; locale: string }) {
  const nameOf = (key: string) => report.arms.find((arm) => arm.key === key)?.name ?? key;
  const lines = report.comparisons.flatMap((comparison) => {
    const points = report.chart.map((point) => ({
      day: point.day,
      ...point.arms.find((a) => a.arm === comparison.arm)!,
    }));
    // The first days' band can span thousands of percent: a value beyond ±300 % is left out rather than squash the rest.
    const line = (name: string, pick: (p: (typeof points)[number]) => number | null | undefined) => ({
      name,
      data: points.map((point) => {
        const value = pick(point) ?? null;
        return { key: point.day, value: value !== null && Math.abs(value) <= 3 ? value : null };
      }),
    });
    return [
      line(`${nameOf(comparison.arm)} lift`, (point) => point.estimate),
      line(`${nameOf(comparison.arm)} low`, (point) => point.alwaysValid?.[0]),
      line(`${nameOf(comparison.arm)} high`, (point) => point.alwaysValid?.[1]),
    ];
  });
  return (
    // The lifts table above gives the latest figures as text.
    <BlockStack gap="200">
      <DailyLineChart
        lines={lines}
        locale={locale}
        formatValue={(value) => formatChange(value, locale)}
        marker="data-lift-chart"
      />
    </BlockStack>
  );
}

export default function ExperimentPage() {
  const { report, publish, shop } = useLoaderData<typeof loader>();
  const result = useActionData<ActionResult>();
  const navigation = useNavigation();
  const { experiment } = report;
  const money = (amount: string | null) => formatCurrency(amount, shop.currency, shop.locale);
  const percent = (value: number | null) => (value === null ? "—" : formatPercent(value, shop.locale));
  const when = (iso: string | null) => (iso ? formatDateTime(iso, shop.timezone, shop.locale) : "—");
  const nameOf = (key: string) => report.arms.find((arm) => arm.key === key)?.name ?? key;
  const control = nameOf(report.control);
  const intent = (value: string, label: string, tone?: "critical") => (
    <Form method="post">
      <input type="hidden" name="intent" value={value} />
      <Button submit tone={tone} variant={tone ? undefined : "primary"} loading={navigation.state === "submitting"}>
        {label}
      </Button>
    </Form>
  );
  return (
    <>
      <AppTitleBar title={experiment.name} />
      <Page
        backAction={{ content: "Experiments", url: "/app/experiments" }}
        title={experiment.name}
        titleMetadata={
          <Badge tone={STATUS_BADGE[experiment.status].tone}>{STATUS_BADGE[experiment.status].label}</Badge>
        }
        subtitle={`Started ${when(experiment.startedAt)} · ${experiment.endedAt ? `ended ${when(experiment.endedAt)}` : experiment.plannedEndAt ? `planned end ${when(experiment.plannedEndAt)}` : "no planned end"} · primary metric: ${METRIC_LABEL[experiment.primaryMetric]}`}
      >
        <Layout>
          <Layout.Section>
            <BlockStack gap="400">
              {result ? <Banner tone={result.ok ? "success" : "critical"} title={result.message} /> : null}
              {publish.error && experiment.status === "RUNNING" ? (
                <Banner tone="warning" title="The storefront may not be assigning visitors">
                  <p>Shopify did not take the experiment: {publish.error}</p>
                </Banner>
              ) : null}
              {report.sampleRatio?.mismatch ? (
                <Banner tone="critical" title="Sample-ratio mismatch">
                  <p>
                    The arms' shares of visitors do not match their weights (p ={" "}
                    {report.sampleRatio.pValue.toExponential(1)}
                    ). Some visitors are being lost or misassigned, so the lift below is not proof.
                  </p>
                </Banner>
              ) : null}
              <InlineStack gap="200">
                {experiment.status === "DRAFT" ? intent("start", "Start experiment") : null}
                {experiment.status === "DRAFT" ? intent("delete", "Delete draft", "critical") : null}
                {experiment.status === "RUNNING" ? intent("end", "End experiment", "critical") : null}
                {experiment.status === "RUNNING" && publish.error
                  ? intent("publish", "Tell the storefront again")
                  : null}
              </InlineStack>
              {report.comparisons.map((comparison) => {
                const primary = comparison.lifts.find((lift) => lift.metric === experiment.primaryMetric)!;
                return (
                  <Card key={comparison.arm}>
                    <BlockStack gap="200">
                      <Text as="h2" variant="headingMd">
                        {nameOf(comparison.arm)} against {control}
                      </Text>
                      <div data-verdict={comparison.verdict}>
                        <Text as="p" variant="headingLg">
                          {liftSentence(experiment.primaryMetric, primary.relative, shop.locale)}
                        </Text>
                      </div>
                      <Text as="p">{verdictText(comparison.verdict, nameOf(comparison.arm), control)}</Text>
                      <Text as="p" tone="subdued">
                        Incremental net revenue among {nameOf(comparison.arm)}'s visitors:{" "}
                        {money(comparison.incrementalRevenue.estimate)}
                        {comparison.incrementalRevenue.alwaysValid
                          ? ` (95 % CI ${money(comparison.incrementalRevenue.alwaysValid[0])} to ${money(comparison.incrementalRevenue.alwaysValid[1])})`
                          : ""}
                      </Text>
                      <DataTable
                        columnContentTypes={["text", "text", "text", "text"]}
                        headings={["Metric", "Lift", "95 % CI, any look", "95 % CI, read once at the planned end"]}
                        rows={comparison.lifts.map((lift) => [
                          METRIC_LABEL[lift.metric],
                          formatChange(lift.relative.estimate, shop.locale),
                          lift.relative.alwaysValid
                            ? `${formatChange(lift.relative.alwaysValid[0], shop.locale)} to ${formatChange(lift.relative.alwaysValid[1], shop.locale)}`
                            : "—",
                          lift.relative.interval
                            ? `${formatChange(lift.relative.interval[0], shop.locale)} to ${formatChange(lift.relative.interval[1], shop.locale)}`
                            : "—",
                        ])}
                      />
                    </BlockStack>
                  </Card>
                );
              })}
              <Card>
                <BlockStack gap="200">
                  <Text as="h2" variant="headingMd">
                    Arms
                  </Text>
                  <div data-arms-table>
                    <DataTable
                      columnContentTypes={[
                        "text",
                        "numeric",
                        "numeric",
                        "numeric",
                        "numeric",
                        "numeric",
                        "numeric",
                        "numeric",
                        "numeric",
                        "numeric",
                      ]}
                      headings={[
                        "Arm",
                        "Visitors",
                        "Share (weight)",
                        "Orders",
                        "Net revenue",
                        "Per visitor",
                        "Conversion",
                        "AOV",
                        "Attributed",
                        "Orders not tied",
                      ]}
                      rows={report.arms.map((arm) => [
                        `${arm.name}${arm.showChat || /no chat/i.test(arm.name) ? "" : " (no chat)"}${arm.variant ? ` · ${arm.variant}` : ""}`,
                        formatCount(arm.visitors, shop.locale),
                        `${percent(arm.share)} (${percent(arm.expectedShare)})`,
                        formatCount(arm.orders, shop.locale),
                        money(arm.netRevenue),
                        money(arm.revenuePerVisitor),
                        percent(arm.conversionRate),
                        money(arm.averageOrderValue),
                        money(arm.attributedRevenue),
                        formatCount(arm.untiedOrders, shop.locale),
                      ])}
                    />
                  </div>
                  <Text as="p" tone="subdued">
                    Visitors are the consenting visitors the storefront assigned; each counts from their first page in
                    the experiment (intention to treat), with their orders' net revenue after refunds. "Orders not tied"
                    carry the arm's stamp but name a visitor the app never saw assigned. Orders with no stamp at all:{" "}
                    {formatCount(report.unstamped.orders, shop.locale)} ({money(report.unstamped.netRevenue)}).
                  </Text>
                </BlockStack>
              </Card>
              {report.chart.length > 1 ? (
                <Card>
                  <BlockStack gap="200">
                    <Text as="h2" variant="headingMd">
                      Cumulative lift in {METRIC_LABEL[experiment.primaryMetric]}
                    </Text>
                    <LiftChart report={report} locale={shop.locale} />
                  </BlockStack>
                </Card>
              ) : null}
            </BlockStack>
          </Layout.Section>
        </Layout>
      </Page>
    </>
  );
}

export const ErrorBoundary = ReportErrorBoundary;
