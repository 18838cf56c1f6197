/** Plots rendered without a browser: Vega-Lite specs → SVG → PNG. */
export { renderVegaLite, compileVegaLite, pngSize, BASE_CONFIG, type RenderedPlot } from './render';
export {
  datasetPanels,
  trainingCurves,
  finalAccuracyBars,
  trainTestGap,
  notebookComparison,
  confusionHeatmap,
  renderDatasetPanels,
  renderTrainingCurves,
  renderFinalAccuracyBars,
  renderTrainTestGap,
  renderNotebookComparison,
  renderConfusionHeatmap,
  type VegaLiteSpec,
  type DatasetPanelsInput,
  type EpochAccuracies,
  type ModelCurves,
  type CurveOptions,
  type AccuracyBar,
  type BarOptions,
} from './charts';
export { PLOT_FONT } from './text-metrics';
