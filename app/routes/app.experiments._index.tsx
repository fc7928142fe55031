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
import { METRIC_LABEL } from "../domain/experiments/verdict-text";
import { METRICS } from "../domain/experiments/statistics";
import { authenticatedShop } from "../http/admin-shop.server";
import { jsonResponse, readJsonBody } from "../http/json";
import { formatDateTime } from "../lib/format";
import { pageTitle } from "../components/page-title";
import { AppTitleBar } from "../components/AppTitleBar";

export const meta = pageTitle("Experiments");

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await authenticatedShop(request);
  const experiments = await listExperiments(prisma, shop.id);
  return {
    experiments: experiments.map((experiment) => ({
      id: experiment.id,
      name: experiment.name,
      status: experiment.status,
      arms: experiment.arms.map((arm) => `${arm.name} ${arm.weight} %`).join(" · "),
      startedAt: experiment.startedAt?.toISOString() ?? null,
      endedAt: experiment.endedAt?.toISOString() ?? null,
    })),
    shop: { timezone: shop.timezone, locale: shop.locale },
  };
};

type ActionResult = { ok: false; errors: Record<string, string> };

/** The create form posts its plan as JSON (arms are a list); a draft is stored and its page opened. */
export const action = async ({ request }: ActionFunctionArgs) => {
  const shop = await authenticatedShop(request);
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
  DRAFT: { tone: undefined, label: "Draft" },
  RUNNING: { tone: "success", label: "Running" },
  ENDED: { tone: "info", label: "Ended" },
} as const;

type FormArm = { name: string; weight: string; showChat: boolean; variant: string };
const formArms = (arms: ExperimentPlan["arms"]): FormArm[] =>
  arms.map((arm) => ({ ...arm, weight: String(arm.weight), variant: arm.variant ?? "" }));

function NewExperiment() {
  const result = useActionData<ActionResult>();
  const navigation = useNavigation();
  const submit = useSubmit();
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
          New experiment
        </Text>
        <Text as="p" tone="subdued">
          A holdout hides the chat from a share of visitors, so the difference in revenue per visitor is what the chat
          causes. A variant test shows every arm the chat, each with its own prompt, model or flow. The first arm is the
          control every other arm is compared with. Arms and weights are frozen once the experiment starts.
        </Text>
        {Object.keys(errors).length ? (
          <Banner tone="critical" title="The experiment was not created">
            {errors.arms ?? errors.plan ?? "Correct the fields marked below."}
          </Banner>
        ) : null}
        <InlineStack gap="200">
          <Button onClick={() => setArms(formArms(HOLDOUT_TEMPLATE))}>Holdout template</Button>
          <Button onClick={() => setArms(formArms(VARIANT_TEMPLATE))}>Variant test template</Button>
        </InlineStack>
        <FormLayout>
          <FormLayout.Group>
            <TextField label="Name" autoComplete="off" value={name} onChange={setName} error={errors.name} />
            <Select
              label="Primary metric"
              options={METRICS.map((metric) => ({ value: metric, label: METRIC_LABEL[metric] }))}
              value={primaryMetric}
              onChange={setPrimaryMetric}
              helpText="The verdict rests on this metric; the others are shown beside it."
            />
            <TextField
              label="Planned end (optional)"
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
                label={index === 0 ? "Arm 1 (control)" : `Arm ${index + 1}`}
                autoComplete="off"
                value={arm.name}
                onChange={(value) => setArm(index, { name: value })}
                error={errors[`arms.${index}.name`]}
              />
              <TextField
                label="Weight %"
                type="number"
                autoComplete="off"
                min={1}
                max={99}
                value={arm.weight}
                onChange={(value) => setArm(index, { weight: value })}
                error={errors[`arms.${index}.weight`]}
              />
              <TextField
                label="Variant (optional)"
                autoComplete="off"
                value={arm.variant}
                onChange={(value) => setArm(index, { variant: value })}
                error={errors[`arms.${index}.variant`]}
                helpText="Handed to the chat widget"
              />
              <BlockStack gap="100">
                <Checkbox
                  label="Show the chat"
                  checked={arm.showChat}
                  onChange={(checked) => setArm(index, { showChat: checked })}
                />
                {arms.length > 2 ? (
                  <Button variant="plain" tone="critical" onClick={() => setArms(arms.filter((_, i) => i !== index))}>
                    Remove arm
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
              Add arm
            </Button>
            <Text as="span" tone={total === 100 ? "subdued" : "critical"}>
              Weights add up to {total} %
            </Text>
          </InlineStack>
          <Button variant="primary" onClick={create} loading={navigation.state === "submitting"}>
            Create draft
          </Button>
        </InlineStack>
      </BlockStack>
    </Card>
  );
}

export default function Experiments() {
  const { experiments, shop } = useLoaderData<typeof loader>();
  const when = (iso: string | null) => (iso ? formatDateTime(iso, shop.timezone, shop.locale) : "—");
  return (
    <>
      <AppTitleBar title="Experiments" />
      <Page title="Experiments" subtitle="What the chat causes: holdouts and variant tests, assigned on the storefront">
        <Layout>
          <Layout.Section>
            <Card padding="0">
              {experiments.length === 0 ? (
                <EmptyState heading="No experiments yet" image="">
                  <p>Create one below. One experiment runs at a time.</p>
                </EmptyState>
              ) : (
                <IndexTable
                  resourceName={{ singular: "experiment", plural: "experiments" }}
                  itemCount={experiments.length}
                  selectable={false}
                  headings={[
                    { title: "Name" },
                    { title: "Status" },
                    { title: "Arms" },
                    { title: "Started" },
                    { title: "Ended" },
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
                          {STATUS_BADGE[experiment.status].label}
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
