/** lstm: embedding → LSTM (PyTorch's nn.LSTM, gates i, f, g, o) → dropout → dense logits. */
import { defineRecurrentModel } from '../shared-recurrent/model';

export const lstmModel = defineRecurrentModel(
  'lstm',
  'lstm',
  'LSTM',
  'Character/token-id sequences through an embedding and an LSTM (PyTorch nn.LSTM), trained with the training: block.',
);
export default lstmModel;
