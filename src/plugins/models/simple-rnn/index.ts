/** simple-rnn: embedding → Elman RNN (tanh, PyTorch's nn.RNN) → dropout → dense logits. */
import { defineRecurrentModel } from '../shared-recurrent/model';

export const simpleRnnModel = defineRecurrentModel(
  'simple-rnn',
  'rnn',
  'RNN',
  'Character/token-id sequences through an embedding and a tanh RNN (PyTorch nn.RNN), trained with the training: block.',
);
export default simpleRnnModel;
