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
import { liftSentence, verdictText } from "../domain/experiments/verdict-text";
import { useTranslation } from "react-i18next";
import { useAdminLocale } from "../i18n/use-admin-locale";
import { i18nFor } from "../i18n/i18n";
import { authenticatedAdmin } from "../http/admin-shop.server";
import { actionRefusal, experimentsRefused } from "../http/plan-gate.server";
import { PlanRequired } from "../components/PlanRequired";
import type { Refusal } from "../domain/billing/plans";
import { jsonResponse } from "../http/json";
import { formatChange, formatCount, formatCurrency, formatDateTime, formatPercent } from "../lib/format";
import { appAdminApi } from "../shopify/admin-api.server";
import { STATUS_BADGE } from "./app.experiments._index";
import { pageTitle } from "../components/page-title";
import { AppTitleBar } from "../components/AppTitleBar";

export const meta = pageTitle("titles.experiment");

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { shop } = await authenticatedAdmin(request);
  const experiment = await findExperiment(prisma, shop.id, params.experimentId ?? "");
  if (!experiment) throw jsonResponse({ error: "There is no such experiment in this shop" }, { status: 404 });
  // Without the plan the figures are not shown; a running experiment can still be ended.
  const locked = await experimentsRefused(shop);
  if (locked) return { locked, experiment: { name: experiment.name, status: experiment.status } } as const;
  return {
    locked: null,
    report: await loadExperimentReport(prisma, shop, experiment),
    publish: { at: experiment.publishedAt?.toISOString() ?? null, error: experiment.publishError },
    shop: { currency: shop.currency, timezone: shop.timezone },
  };
};

/** `message` is for API readers and logs; the page shows `outcome` in the admin's language. */
type Outcome = "start" | "end" | "publish" | "notPublished" | "refused";
type ActionResult = { ok: boolean; outcome: Outcome; message: string; reason?: string };

/** An outcome with its English message, the catalogue's words (a refusal's message is its reason). */
function outcomeOf(outcome: Outcome, reason?: string): ActionResult {
  const message =
    outcome === "refused" ? reason! : i18nFor("en").t(`experimentDetail.outcome.${outcome}`, { reason: reason ?? "" });
  const ok = outcome === "start" || outcome === "end" || outcome === "publish";
  return { ok, outcome, message, ...(reason === undefined ? {} : { reason }) };
}

/** Start, end, delete a draft, or tell the storefront again: each changes the experiment, then the metafield. */
export const action = async ({ request, params }: ActionFunctionArgs) => {
  const { shop, admin } = await authenticatedAdmin(request);
  const id = params.experimentId ?? "";
  const intent = String((await request.formData()).get("intent"));
  if (intent !== "end") {
    const refused = await experimentsRefused(shop);
    if (refused) return actionRefusal(refused);
  }
  const publish = () => publishRunningExperiment(prisma, appAdminApi(admin), shop.id, id);
  try {
    if (intent === "start") await startExperiment(prisma, shop.id, id);
    else if (intent === "end") await endExperiment(prisma, shop.id, id);
    else if (intent === "delete") {
      await deleteDraft(prisma, shop.id, id);
      return redirect("/app/experiments");
    } else if (intent !== "publish")
      return jsonResponse(outcomeOf("refused", "intent must be start, end, delete or publish"), { status: 400 });
  } catch (error) {
    if (!(error instanceof ExperimentStateError)) throw error;
    return jsonResponse(outcomeOf("refused", error.message), { status: 409 });
  }
  const published = await publish();
  return jsonResponse(
    published.ok ? outcomeOf(intent as "start" | "end" | "publish") : outcomeOf("notPublished", published.reason),
  );
};

/** The cumulative lift of the primary metric, day by day, with its always-valid band. Drawn after hydration. */
function LiftChart({ report, locale }: { report: ExperimentReport; locale: string }) {
  const { t } = useTranslation();
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
      line(t("experimentDetail.chartLift", { arm: nameOf(comparison.arm) }), (point) => point.estimate),
      line(t("experimentDetail.chartLow", { arm: nameOf(comparison.arm) }), (point) => point.alwaysValid?.[0]),
      line(t("experimentDetail.chartHigh", { arm: nameOf(comparison.arm) }), (point) => point.alwaysValid?.[1]),
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
  const data = useLoaderData<typeof loader>();
  if (data.locked) return <LockedExperiment locked={data.locked} experiment={data.experiment} />;
  return <ExperimentReportPage {...data} />;
}

/** The plan does not include experiments: the page says so; one still running can be ended. */
function LockedExperiment({
  locked,
  experiment,
}: {
  locked: NonNullable<Refusal>;
  experiment: { name: string; status: string };
}) {
  const { t } = useTranslation();
  const navigation = useNavigation();
  return (
    <>
      <AppTitleBar title={experiment.name} />
      <Page backAction={{ content: t("nav.experiments"), url: "/app/experiments" }} title={experiment.name}>
        <PlanRequired refusal={locked}>
          {experiment.status === "RUNNING" ? (
            <Form method="post">
              <input type="hidden" name="intent" value="end" />
              <Button submit tone="critical" loading={navigation.state === "submitting"}>
                {t("experimentDetail.end")}
              </Button>
            </Form>
          ) : null}
        </PlanRequired>
      </Page>
    </>
  );
}

function ExperimentReportPage({
  report,
  publish,
  shop,
}: {
  report: ExperimentReport;
  publish: { at: string | null; error: string | null };
  shop: { currency: string; timezone: string };
}) {
  const result = useActionData<ActionResult>();
  const navigation = useNavigation();
  const { experiment } = report;
  const { t } = useTranslation();
  const locale = useAdminLocale();
  const money = (amount: string | null) => formatCurrency(amount, shop.currency, locale);
  const percent = (value: number | null) => (value === null ? "—" : formatPercent(value, locale));
  const when = (iso: string | null) => (iso ? formatDateTime(iso, shop.timezone, locale) : "—");
  const range = (interval: readonly [number, number] | null) =>
    interval
      ? t("experimentDetail.range", { low: formatChange(interval[0], locale), high: formatChange(interval[1], locale) })
      : "—";
  const metric = t(`experiments.metric.${experiment.primaryMetric}`);
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
        backAction={{ content: t("nav.experiments"), url: "/app/experiments" }}
        title={experiment.name}
        titleMetadata={
          <Badge tone={STATUS_BADGE[experiment.status].tone}>{t(STATUS_BADGE[experiment.status].label)}</Badge>
        }
        subtitle={t("experimentDetail.subtitle", {
          started: when(experiment.startedAt),
          end: experiment.endedAt
            ? t("experimentDetail.ended", { when: when(experiment.endedAt) })
            : experiment.plannedEndAt
              ? t("experimentDetail.plannedEnd", { when: when(experiment.plannedEndAt) })
              : t("experimentDetail.noPlannedEnd"),
          metric,
        })}
      >
        <Layout>
          <Layout.Section>
            <BlockStack gap="400">
              {result ? (
                <Banner
                  tone={result.ok ? "success" : "critical"}
                  title={t(`experimentDetail.outcome.${result.outcome}`, { reason: result.reason ?? "" })}
                />
              ) : null}
              {publish.error && experiment.status === "RUNNING" ? (
                <Banner tone="warning" title={t("experimentDetail.notAssigning")}>
                  <p>{t("experimentDetail.notTaken", { error: publish.error })}</p>
                </Banner>
              ) : null}
              {report.sampleRatio?.mismatch ? (
                <Banner tone="critical" title={t("experimentDetail.srmTitle")}>
                  <p>{t("experimentDetail.srmBody", { p: report.sampleRatio.pValue.toExponential(1) })}</p>
                </Banner>
              ) : null}
              <InlineStack gap="200">
                {experiment.status === "DRAFT" ? intent("start", t("experimentDetail.start")) : null}
                {experiment.status === "DRAFT" ? intent("delete", t("experimentDetail.delete"), "critical") : null}
                {experiment.status === "RUNNING" ? intent("end", t("experimentDetail.end"), "critical") : null}
                {experiment.status === "RUNNING" && publish.error
                  ? intent("publish", t("experimentDetail.publishAgain"))
                  : null}
              </InlineStack>
              {report.comparisons.map((comparison) => {
                const primary = comparison.lifts.find((lift) => lift.metric === experiment.primaryMetric)!;
                return (
                  <Card key={comparison.arm}>
                    <BlockStack gap="200">
                      <Text as="h2" variant="headingMd">
                        {t("experimentDetail.against", { arm: nameOf(comparison.arm), control })}
                      </Text>
                      <div data-verdict={comparison.verdict}>
                        <Text as="p" variant="headingLg">
                          {liftSentence(experiment.primaryMetric, primary.relative, locale, t)}
                        </Text>
                      </div>
                      <Text as="p">{verdictText(comparison.verdict, nameOf(comparison.arm), control, t)}</Text>
                      <Text as="p" tone="subdued">
                        {comparison.incrementalRevenue.alwaysValid
                          ? t("experimentDetail.incrementalInterval", {
                              arm: nameOf(comparison.arm),
                              amount: money(comparison.incrementalRevenue.estimate),
                              low: money(comparison.incrementalRevenue.alwaysValid[0]),
                              high: money(comparison.incrementalRevenue.alwaysValid[1]),
                            })
                          : t("experimentDetail.incremental", {
                              arm: nameOf(comparison.arm),
                              amount: money(comparison.incrementalRevenue.estimate),
                            })}
                      </Text>
                      <DataTable
                        columnContentTypes={["text", "text", "text", "text"]}
                        headings={[
                          t("experimentDetail.metric"),
                          t("experimentDetail.liftColumn"),
                          t("experimentDetail.anyLook"),
                          t("experimentDetail.readOnce"),
                        ]}
                        rows={comparison.lifts.map((lift) => [
                          t(`experiments.metric.${lift.metric}`),
                          formatChange(lift.relative.estimate, locale),
                          range(lift.relative.alwaysValid),
                          range(lift.relative.interval),
                        ])}
                      />
                    </BlockStack>
                  </Card>
                );
              })}
              <Card>
                <BlockStack gap="200">
                  <Text as="h2" variant="headingMd">
                    {t("experimentDetail.arms")}
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
                        t("experimentDetail.columns.arm"),
                        t("experimentDetail.columns.visitors"),
                        t("experimentDetail.columns.share"),
                        t("experimentDetail.columns.orders"),
                        t("experimentDetail.columns.netRevenue"),
                        t("experimentDetail.columns.perVisitor"),
                        t("experimentDetail.columns.conversion"),
                        t("experimentDetail.columns.aov"),
                        t("experimentDetail.columns.attributed"),
                        t("experimentDetail.columns.untied"),
                      ]}
                      rows={report.arms.map((arm) => [
                        `${arm.name}${arm.showChat || /no chat/i.test(arm.name) ? "" : ` ${t("experimentDetail.noChat")}`}${arm.variant ? ` · ${arm.variant}` : ""}`,
                        formatCount(arm.visitors, locale),
                        `${percent(arm.share)} (${percent(arm.expectedShare)})`,
                        formatCount(arm.orders, locale),
                        money(arm.netRevenue),
                        money(arm.revenuePerVisitor),
                        percent(arm.conversionRate),
                        money(arm.averageOrderValue),
                        money(arm.attributedRevenue),
                        formatCount(arm.untiedOrders, locale),
                      ])}
                    />
                  </div>
                  <Text as="p" tone="subdued">
                    {t("experimentDetail.armsNote", {
                      orders: formatCount(report.unstamped.orders, locale),
                      revenue: money(report.unstamped.netRevenue),
                    })}
                  </Text>
                </BlockStack>
              </Card>
              {report.chart.length > 1 ? (
                <Card>
                  <BlockStack gap="200">
                    <Text as="h2" variant="headingMd">
                      {t("experimentDetail.cumulative", { metric })}
                    </Text>
                    <LiftChart report={report} locale={locale} />
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

export function ErrorBoundary() {
  return <ReportErrorBoundary titleKey="titles.experiment" resetTo="/app/experiments" />;
}
