import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useMutation } from "@tanstack/react-query";
import { ApiError, type Problem } from "../../api/problem";
import { exchangeLoginCode } from "../../api/session";
import { Page } from "../../components/Page";
import { ProblemMessage } from "../../components/ProblemMessage";

const SIGN_IN_ERRORS = ["access_denied", "provider_error", "invalid_id_token", "email_required", "link_required",
  "identity_conflict", "account_disabled"];

/** Where a provider's sign-in lands: `?login_code=` is traded for a session once, `?error=` is explained. */
export function OAuthLandingPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const loginCode = params.get("login_code");
  const error = params.get("error");
  const exchange = useMutation({
    mutationFn: async (code: string) => {
      const response = await exchangeLoginCode(code);
      if (!response.ok) {
        const problem = (await response.json().catch(() => undefined)) as Partial<Problem> | undefined;
        throw new ApiError(response.status, problem);
      }
    },
    onSuccess: () => navigate("/", { replace: true }),
  });
  const { mutate } = exchange;
  useEffect(() => {
    if (loginCode) mutate(loginCode);
  }, [loginCode, mutate]);

  return (
    <Page title={t("auth.signInTitle")}>
      {loginCode && !exchange.error && <p role="status">{t("auth.finishing")}</p>}
      <ProblemMessage error={exchange.error} />
      {error && (
        <div role="alert" className="problem">
          <p>{t(`auth.oauthErrors.${SIGN_IN_ERRORS.includes(error) ? error : "provider_error"}`)}</p>
        </div>
      )}
      {(error || exchange.error) && <p><Link to="/sign-in">{t("auth.tryAgain")}</Link></p>}
    </Page>
  );
}
