import { describeError } from '../../api/api-error.ts';
import { modelsApi } from '../../api/endpoints.ts';
import { useModelsStore } from '../../stores/models-store.ts';
import { showError } from '../../stores/toast-store.ts';

/** GET /api/models once per session (the server caches provider discovery). */
export async function loadModels(refresh = false): Promise<void> {
  const store = useModelsStore.getState();
  store.setLoading();
  try {
    useModelsStore.getState().setCatalogue(await modelsApi.list(refresh));
  } catch (error) {
    useModelsStore.getState().setFailed();
    showError(`Could not load the model list: ${describeError(error)}`, () => void loadModels(refresh));
  }
}
