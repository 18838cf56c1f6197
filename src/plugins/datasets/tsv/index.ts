import { delimitedDatasetPlugin } from '../shared/delimited-dataset';

export const tsv = delimitedDatasetPlugin('tsv', '\t', 'Tab-separated text file with a header row, quoted as pandas reads it.');
export default tsv;
