/** gru: embedding → GRU (PyTorch's nn.GRU formulation) → dropout → dense logits. */
import { defineRecurrentModel } from '../shared-recurrent/model';

export const gruModel = defineRecurrentModel(
  'gru',
  'gru',
  'GRU',
  'Character/token-id sequences through an embedding and a GRU (PyTorch nn.GRU), trained with the training: block.',
);
export default gruModel;
