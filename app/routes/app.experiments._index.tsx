import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useNavigation, useSubmit } from "@remix-run/react";
import {
  Badge,
  Banner,
  BlockStack,
  Button,
  Card,
  Checkbox,
  EmptyState,
  FormLayout,
  IndexTable,
  InlineStack,
  Layout,
  Page,
  Select,
  Text,
  TextField,
} from "@shopify/polaris";
import { useState } from "react";
import { ReportErrorBoundary } from "../components/ReportStates";
import { prisma } from "../db.server";
import {
  experimentPlanSchema,
  HOLDOUT_TEMPLATE,
  MAX_ARMS,
  VARIANT_TEMPLATE,
  type ExperimentPlan,
} from "../domain/experiments/experiment-plan";
import { createExperiment, listExperiments } from "../domain/experiments/experiments.server";
import { useTranslation } from "react-i18next";
import { useAdminLocale } from "../i18n/use-admin-locale";
import { METRICS } from "../domain/experiments/statistics";
import { authenticatedShop } from "../http/admin-shop.server";
import { actionRefusal, experimentsRefused } from "../http/plan-gate.server";
import { PlanRequired } from "../components/PlanRequired";
import { jsonResponse, readJsonBody } from "../http/json";
import { formatDateTime } from "../lib/format";
import { pageTitle } from "../components/page-title";
import { AppTitleBar } from "../components/AppTitleBar";

export const meta = pageTitle("nav.experiments");

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await authenticatedShop(request);
  const locked = await experimentsRefused(shop);
  const experiments = locked ? [] : await listExperiments(prisma, shop.id);
  return {
    locked,
    experiments: experiments.map((experiment) => ({
      id: experiment.id,
      name: experiment.name,
      status: experiment.status,
      arms: experiment.arms.map((arm) => `${arm.name} ${arm.weight} %`).join(" · "),
      startedAt: experiment.startedAt?.toISOString() ?? null,
      endedAt: experiment.endedAt?.toISOString() ?? null,
    })),
    shop: { timezone: shop.timezone },
  };
};

type ActionResult = { ok: false; errors: Record<string, string> };

/** The create form posts its plan as JSON (arms are a list); a draft is stored and its page opened. */
export const action = async ({ request }: ActionFunctionArgs) => {
  const shop = await authenticatedShop(request);
  const refused = await experimentsRefused(shop);
  if (refused) return actionRefusal(refused);
  const body = await readJsonBody(request, 16 * 1024);
  if (!body.ok) return body.response;
  const parsed = experimentPlanSchema.safeParse(body.body);
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const issue of parsed.error.issues) errors[issue.path.join(".") || "plan"] ??= issue.message;
    return jsonResponse({ ok: false, errors } satisfies ActionResult, { status: 400 });
  }
  const experiment = await createExperiment(prisma, shop, parsed.data);
  return redirect(`/app/experiments/${experiment.id}`);
};

export const STATUS_BADGE = {
  DRAFT: { tone: undefined, label: "experiments.status.DRAFT" },
  RUNNING: { tone: "success", label: "experiments.status.RUNNING" },
  ENDED: { tone: "info", label: "experiments.status.ENDED" },
} as const;

type FormArm = { name: string; weight: string; showChat: boolean; variant: string };
const formArms = (arms: ExperimentPlan["arms"]): FormArm[] =>
  arms.map((arm) => ({ ...arm, weight: String(arm.weight), variant: arm.variant ?? "" }));

function NewExperiment() {
  const result = useActionData<ActionResult>();
  const navigation = useNavigation();
  const submit = useSubmit();
  const { t } = useTranslation();
  const [name, setName] = useState("");
  const [primaryMetric, setPrimaryMetric] = useState<string>("revenuePerVisitor");
  const [plannedEnd, setPlannedEnd] = useState("");
  const [arms, setArms] = useState<FormArm[]>(formArms(HOLDOUT_TEMPLATE));
  const errors = result?.errors ?? {};
  const total = arms.reduce((sum, arm) => sum + (Number(arm.weight) || 0), 0);
  const setArm = (index: number, change: Partial<FormArm>) =>
    setArms((all) => all.map((arm, i) => (i === index ? { ...arm, ...change } : arm)));
  const create = () =>
    submit(
      { name, primaryMetric, plannedEnd, arms: arms.map((arm) => ({ ...arm, weight: Number(arm.weight) })) },
      { method: "post", encType: "application/json" },
    );
  return (
    <Card>
      <BlockStack gap="400">
        <Text as="h2" variant="headingMd">
          {t("experiments.newHeading")}
        </Text>
        <Text as="p" tone="subdued">
          {t("experiments.newIntro")}
        </Text>
        {Object.keys(errors).length ? (
          <Banner tone="critical" title={t("experiments.notCreated")}>
            {errors.arms ?? errors.plan ?? t("experiments.correctFields")}
          </Banner>
        ) : null}
        <InlineStack gap="200">
          <Button onClick={() => setArms(formArms(HOLDOUT_TEMPLATE))}>{t("experiments.holdoutTemplate")}</Button>
          <Button onClick={() => setArms(formArms(VARIANT_TEMPLATE))}>{t("experiments.variantTemplate")}</Button>
        </InlineStack>
        <FormLayout>
          <FormLayout.Group>
            <TextField
              label={t("experiments.name")}
              autoComplete="off"
              value={name}
              onChange={setName}
              error={errors.name}
            />
            <Select
              label={t("experiments.primaryMetric")}
              options={METRICS.map((metric) => ({ value: metric, label: t(`experiments.metric.${metric}`) }))}
              value={primaryMetric}
              onChange={setPrimaryMetric}
              helpText={t("experiments.primaryMetricHelp")}
            />
            <TextField
              label={t("experiments.plannedEnd")}
              type="date"
              autoComplete="off"
              value={plannedEnd}
              onChange={setPlannedEnd}
              error={errors.plannedEnd}
            />
          </FormLayout.Group>
          {arms.map((arm, index) => (
            <FormLayout.Group key={index} condensed>
              <TextField
                label={index === 0 ? t("experiments.armControl") : t("experiments.arm", { number: index + 1 })}
                autoComplete="off"
                value={arm.name}
                onChange={(value) => setArm(index, { name: value })}
                error={errors[`arms.${index}.name`]}
              />
              <TextField
                label={t("experiments.weight")}
                type="number"
                autoComplete="off"
                min={1}
                max={99}
                value={arm.weight}
                onChange={(value) => setArm(index, { weight: value })}
                error={errors[`arms.${index}.weight`]}
              />
              <TextField
                label={t("experiments.variant")}
                autoComplete="off"
                value={arm.variant}
                onChange={(value) => setArm(index, { variant: value })}
                error={errors[`arms.${index}.variant`]}
                helpText={t("experiments.variantHelp")}
              />
              <BlockStack gap="100">
                <Checkbox
                  label={t("experiments.showChat")}
                  checked={arm.showChat}
                  onChange={(checked) => setArm(index, { showChat: checked })}
                />
                {arms.length > 2 ? (
                  <Button variant="plain" tone="critical" onClick={() => setArms(arms.filter((_, i) => i !== index))}>
                    {t("experiments.removeArm")}
                  </Button>
                ) : null}
              </BlockStack>
            </FormLayout.Group>
          ))}
        </FormLayout>
        <InlineStack align="space-between" blockAlign="center">
          <InlineStack gap="200" blockAlign="center">
            <Button
              disabled={arms.length >= MAX_ARMS}
              onClick={() => setArms([...arms, { name: "", weight: "0", showChat: true, variant: "" }])}
            >
              {t("experiments.addArm")}
            </Button>
            <Text as="span" tone={total === 100 ? "subdued" : "critical"}>
              {t("experiments.weightsTotal", { total })}
            </Text>
          </InlineStack>
          <Button variant="primary" onClick={create} loading={navigation.state === "submitting"}>
            {t("experiments.createDraft")}
          </Button>
        </InlineStack>
      </BlockStack>
    </Card>
  );
}

export default function Experiments() {
  const { experiments, shop, locked } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const locale = useAdminLocale();
  const when = (iso: string | null) => (iso ? formatDateTime(iso, shop.timezone, locale) : "—");
  if (locked)
    return (
      <>
        <AppTitleBar title={t("nav.experiments")} />
        <Page title={t("nav.experiments")} subtitle={t("experiments.subtitle")}>
          <PlanRequired refusal={locked} />
        </Page>
      </>
    );
  return (
    <>
      <AppTitleBar title={t("nav.experiments")} />
      <Page title={t("nav.experiments")} subtitle={t("experiments.subtitle")}>
        <Layout>
          <Layout.Section>
            <Card padding="0">
              {experiments.length === 0 ? (
                <EmptyState heading={t("experiments.noneHeading")} image="">
                  <p>{t("experiments.noneBody")}</p>
                </EmptyState>
              ) : (
                <IndexTable
                  resourceName={{ singular: t("experiments.resourceOne"), plural: t("experiments.resourceOther") }}
                  itemCount={experiments.length}
                  selectable={false}
                  headings={[
                    { title: t("experiments.columns.name") },
                    { title: t("experiments.columns.status") },
                    { title: t("experiments.columns.arms") },
                    { title: t("experiments.columns.started") },
                    { title: t("experiments.columns.ended") },
                  ]}
                >
                  {experiments.map((experiment, index) => (
                    <IndexTable.Row id={experiment.id} key={experiment.id} position={index}>
                      <IndexTable.Cell>
                        <Link to={`/app/experiments/${experiment.id}`} data-experiment-link>
                          {experiment.name}
                        </Link>
                      </IndexTable.Cell>
                      <IndexTable.Cell>
                        <Badge tone={STATUS_BADGE[experiment.status].tone}>
                          {t(STATUS_BADGE[experiment.status].label)}
                        </Badge>
                      </IndexTable.Cell>
                      <IndexTable.Cell>{experiment.arms}</IndexTable.Cell>
                      <IndexTable.Cell>{when(experiment.startedAt)}</IndexTable.Cell>
                      <IndexTable.Cell>{when(experiment.endedAt)}</IndexTable.Cell>
                    </IndexTable.Row>
                  ))}
                </IndexTable>
              )}
            </Card>
          </Layout.Section>
          <Layout.Section>
            <NewExperiment />
          </Layout.Section>
        </Layout>
      </Page>
    </>
  );
}

export const ErrorBoundary = ReportErrorBoundary;
