/** `nn.callbacks`: the built-in callbacks. */
export {
  earlyStopping,
  reduceLROnPlateau,
  terminateOnNaN,
  modelCheckpoint,
  csvLogger,
  EarlyStopping,
  ReduceLROnPlateau,
  TerminateOnNaN,
  ModelCheckpoint,
  CsvLogger,
} from './callbacks.js';
