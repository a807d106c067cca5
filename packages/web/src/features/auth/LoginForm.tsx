import { login } from './auth-actions.ts';
import { CredentialsForm } from './CredentialsForm.tsx';

export function LoginForm() {
  return (
    <CredentialsForm
      testId="login-form"
      title="Sign in to Cachibot"
      intro="Use the account your administrator gave you."
      submitLabel="Sign in"
      validate={false}
      onSubmit={login}
    />
  );
}
