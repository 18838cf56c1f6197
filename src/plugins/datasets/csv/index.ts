import { delimitedDatasetPlugin } from '../shared/delimited-dataset';

export const csv = delimitedDatasetPlugin('csv', ',', 'Comma-separated text file with a header row, quoted as pandas reads it.');
export default csv;
