import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { AppProvider, Button, Card, FormLayout, Page, Text, TextField } from "@shopify/polaris";
import polarisTranslations from "@shopify/polaris/locales/en.json";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import { useState } from "react";
import { login } from "../shopify.server";

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];

type LoginErrors = { shop?: string };

function loginErrorMessage(errors: { shop?: string } | undefined): LoginErrors {
  if (errors?.shop === "MISSING_SHOP") return { shop: "Enter your store's domain to log in" };
  if (errors?.shop === "INVALID_SHOP") return { shop: "Enter a valid store domain, e.g. my-store.myshopify.com" };
  return {};
}

// Installation outside the Shopify admin: the library validates the shop and starts OAuth.
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const result = await login(request);
  return { errors: loginErrorMessage(result as { shop?: string }), polarisTranslations };
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const result = await login(request);
  return { errors: loginErrorMessage(result as { shop?: string }) };
};

export default function Login() {
  const loaderData = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [shop, setShop] = useState("");
  const errors = actionData?.errors ?? loaderData.errors;
  return (
    <AppProvider i18n={loaderData.polarisTranslations}>
      <Page narrowWidth>
        <Card>
          <Form method="post">
            <FormLayout>
              <Text variant="headingMd" as="h1">
                Log in
              </Text>
              <TextField
                type="text"
                name="shop"
                label="Shop domain"
                helpText="example.myshopify.com"
                value={shop}
                onChange={setShop}
                autoComplete="on"
                error={errors.shop}
              />
              <Button submit>Log in</Button>
            </FormLayout>
          </Form>
        </Card>
      </Page>
    </AppProvider>
  );
}
