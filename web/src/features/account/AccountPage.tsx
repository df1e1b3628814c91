import { useTranslation } from "react-i18next";
import { useMe } from "../../app/session";
import { Page } from "../../components/Page";
import { RequireUser } from "../../components/RequireUser";
import { AvatarForm } from "./AvatarForm";
import { DeleteAccount } from "./DeleteAccount";
import { Identities } from "./Identities";
import { LoginHistory } from "./LoginHistory";
import { NotificationSettings } from "./NotificationSettings";
import { PasswordForm } from "./PasswordForm";
import { ProfileForm } from "./ProfileForm";
import { TelegramLink } from "./TelegramLink";

export function AccountPage() {
  const { t } = useTranslation();
  return (
    <RequireUser>
      <Page title={t("account.title")}>
        <AccountSections />
      </Page>
    </RequireUser>
  );
}

function AccountSections() {
  const { user } = useMe();
  if (!user) return null;
  return (
    <>
      <ProfileForm user={user} />
      <AvatarForm user={user} />
      <PasswordForm />
      <Identities />
      <TelegramLink />
      <NotificationSettings />
      <LoginHistory />
      <DeleteAccount />
    </>
  );
}
