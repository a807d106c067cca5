import { LIMITS } from '@cachibot/protocol';
import { setupAdmin } from './auth-actions.ts';
import { CredentialsForm } from './CredentialsForm.tsx';

export function SetupForm() {
  return (
    <CredentialsForm
      testId="setup-form"
      title="Welcome to Cachibot"
      intro={`Create the administrator account. The password needs at least ${LIMITS.passwordMinChars} characters.`}
      submitLabel="Create account"
      validate
      onSubmit={setupAdmin}
    />
  );
}
