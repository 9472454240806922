/** Help texts of the `simdnn` command (kept apart so that `--help` never loads the native addon). */

export const MAIN_HELP = `Usage: simdnn <command> [options]

Train and use small neural networks from the command line.

Commands:
  train     Cross-validate, train and save a model on a bundled data set or a CSV file
  predict   Predict with a saved model (float or quantized) on the rows of a CSV file
  quantize  Quantize a saved model to int8 with calibration data
  serve     Serve saved models over HTTP (TF Serving REST API, Open Inference Protocol)
  info      Show the version, the SIMD kernel set and the thread count

Options:
  -h, --help      Show help (also after a command: simdnn train --help)
  -v, --version   Show the version

Examples:
  simdnn train --data digits
  simdnn train --data digits --layers conv16x3same,pool2,conv32x3,flatten,dense64 --out digits-cnn
  simdnn train --data fashion-mnist --layers conv32x3,pool2,conv64x3,pool2,flatten,dense128 --out fashion-cnn
  simdnn train --data iris --folds 10 --out iris-model
  simdnn train --data houses.csv --target price --layers 64,64 --epochs 100 --out houses-model
  simdnn predict --model iris-model --input new-flowers.csv --output predictions.csv
  simdnn quantize --model fashion-cnn --calibration fashion-mnist --out fashion-cnn-int8
`;

export const TRAIN_HELP = `Usage: simdnn train --data NAME|FILE.csv [options]

Standardizes the features (fitted on the training part only), holds out a stratified test set,
runs k-fold cross-validation on the training part (per-fold scores and "mean accuracy: M ± S"),
trains a final model on the whole training part, reports its test score, and saves it with --out.

Data:
  --data NAME|FILE      digits (8x8 images), fashion-mnist (28x28 images, from Debian's package
                        dataset-fashion-mnist), iris, wine, breast-cancer, or a CSV file
                        (header optional, may be .gz)
  --data-dir DIR        Folder with Fashion-MNIST's four IDX files
                        (default /usr/share/datasets/fashion-mnist)
  --max-samples N       Use a seeded random N samples (fashion-mnist: N training images and N/6
                        of its test images), for quick runs
  --target COLUMN       CSV target column: a name, or an index (negative from the end; default: last)
  --task TASK           auto (default), classification or regression. auto: text or integer targets
                        are class labels, other numbers are a regression target
  --test-size F         Fraction held out as the test set (default 0.2; 0 = none; fashion-mnist
                        uses its own 10,000 test images)

Model:
  --layers LIST         Hidden layers, comma-separated (default 128; "none" for no hidden layer).
                        The output layer (softmax or linear) is added after them. Tokens:
                          N, denseN[ACT]      dense layer of N units (dense64tanh: its own activation)
                          convFxK[sS][dD][same][ACT]
                                              conv2d: F filters of K x K (convFxKxK2: K x K2), stride S,
                                              dilation D, 'same' padding (default valid)
                          poolP[sS][same]     max pooling P x P (stride S, default P); maxpoolP too
                          avgpoolP[sS][same]  average pooling
                          gap, gmp            global average / max pooling (images -> flat)
                          conv1dFxK[sS][dD][same][ACT]
                                              conv1d over [steps, channels] sequences
                          pool1dP, avgpool1dP max / average pooling over steps (sS, same as above)
                          gap1d               global average pooling over steps (sequence -> flat)
                          flatten             images or sequences -> flat rows, (h, w, c) order
                          reshapeAxB[xC]      each sample to [A, B(, C)] (reshape28x28x1, reshape64x1)
                          dropoutP            dropout of rate P (dropout0.25)
                          bn, ln              batch / layer normalization; a dense or conv layer
                                              right before bn gets its activation after the bn
                                              (conv -> bn -> relu, foldable by simdnn quantize)
                        Image layers need image data (digits: 8x8x1, fashion-mnist: 28x28x1) and
                        come first, or a reshape token first that makes images or sequences of the
                        flat rows; put flatten or gap before the first dense layer after them.
  --activation NAME     Activation of dense and conv layers that name none (default relu): relu,
                        leakyRelu, elu, gelu, tanh, sigmoid, ...
  --dropout RATE        Dropout after each hidden dense layer (default 0)
  --l1 L, --l2 L        Kernel regularization of dense and conv layers (default l1 0, l2 1e-4)

Training:
  --optimizer NAME      adam (default), adamw, sgd (momentum 0.9), gd, rmsprop, adagrad
  --lr RATE             Learning rate (default 0.003; 0.05 for sgd, gd and adagrad)
  --epochs N            Epochs (default 50; 5 for fashion-mnist)
  --batch-size N        Batch size (default 32)
  --folds K             Cross-validation folds (default 5, 0 for fashion-mnist; 0 skips it)
  --parallel            Run the folds on worker threads
  --seed N              Seed for splits, initialization and shuffling (default 1)

Output:
  --out DIR             Save the model (model.json, weights.bin), preprocessing.json and
                        learning-curve.svg in DIR
  --verbose             Print every epoch
  -h, --help            Show this help

Regression targets are standardized for training; scores are reported in the target's units.
Features (pixels of images too) are standardized one by one on the training part.

Examples:
  simdnn train --data digits
  simdnn train --data wine --layers 32,16 --epochs 60 --out wine-model
  simdnn train --data digits --layers conv32x3same,bn,pool2,conv64x3,gap,dropout0.3,dense64 --folds 0
  simdnn train --data fashion-mnist --layers conv32x3,pool2,conv64x3,pool2,flatten,dense128 --max-samples 6000
  simdnn train --data data.csv --target label --folds 10 --verbose
`;

export const PREDICT_HELP = `Usage: simdnn predict --model DIR --input FILE.csv [--output FILE.csv]

Applies the saved preprocessing (DIR/preprocessing.json) and the model in DIR to every row of the
input CSV, and prints the predictions as CSV (or writes them to --output).

The input holds the feature columns in training order, with or without a header line; with a
header, columns are matched by name and others (such as the target) are ignored. When the target
column is present, the accuracy (or mean squared error) is reported on stderr.

Output columns:
  classification   class (class id), label (class name), p_<name> (probability of each class)
  regression       prediction

Options:
  --model DIR       A folder written by simdnn train --out, simdnn quantize --out, model.save
                    or quantizedModel.save
  --input FILE      The CSV file to predict on
  --output FILE     Write the predictions here instead of printing them
  -h, --help        Show this help
`;

export const INFO_HELP = `Usage: simdnn info

Shows simdnn's version, the SIMD kernel set in use (avx512, avx2, neon or scalar), the available
kernel sets and the number of compute threads.
`;

export const SERVE_HELP = `Usage: simdnn serve --model DIR [--model NAME=DIR ...] [options]

Serves saved models over HTTP: TF Serving's REST API (POST /v1/models/NAME:predict) and the Open
Inference Protocol (KServe v2: POST /v2/models/NAME/infer, JSON or binary tensors), with health
endpoints (/v2/health/live, /v2/health/ready) and Prometheus metrics (/metrics). Concurrent requests
are batched into one predict call. DIR is a folder written by model.save or simdnn train --out, or
TF Serving's versioned layout (DIR/1/, DIR/2/, ...): the highest version is served, and a new version
folder is picked up without a restart. A folder's preprocessing.json (from simdnn train) is applied as
simdnn predict applies it: clients send raw feature rows. SIGTERM: stop taking requests, answer those in
flight, exit 0.

Options:
  --model DIR | NAME=DIR  A model folder (repeat for several models; NAME defaults to the folder name)
  --name NAME             The model's name in URLs (one model)
  --port N                Port (default 8501; 0 picks a free one)
  --host ADDR             Address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
  --max-batch N           Most rows per predict call (default 64; 1 turns batching off)
  --max-delay-ms MS       Longest a request waits for others to share its batch (default 2)
  --body-limit BYTES      Largest request body (default 16777216); larger ones get 413
  --timeout-ms MS         Requests not answered in time get 504 (default 30000)
  --poll-ms MS            How often version folders are checked (default 1000; 0: never)
  --workers N             Processes sharing the port (node:cluster), each with its own model copy;
                          /metrics answers the sum over all of them
  --threads N             Compute threads per process (default: physical cores / workers)
  -h, --help              Show this help

Examples:
  simdnn serve --model iris-model --port 8501
  curl -s localhost:8501/v1/models/iris-model:predict -d '{"instances": [[5.1, 3.5, 1.4, 0.2]]}'
  simdnn serve --model a=models/a --model b=models/b --workers 2
`;

export const QUANTIZE_HELP = `Usage: simdnn quantize --model DIR --calibration DATA --out DIR [options]

Quantizes a saved float model to int8 (int8 weights, 8-bit activations; docs/quantization.md):
the activation ranges come from the calibration samples, standardized with DIR/preprocessing.json
as simdnn predict does. Writes the quantized model and a copy of preprocessing.json to --out, so
that simdnn predict --model OUT and simdnn serve --model OUT run it, and prints its summary.

Options:
  --model DIR           A float model folder written by simdnn train --out (or model.save)
  --calibration DATA    digits, fashion-mnist (its training images), iris, wine, breast-cancer, or a
                        CSV file of feature rows (as simdnn predict --input: header optional, a
                        target column is ignored)
  --out DIR             Where to write the quantized model
  --samples N           Calibration samples: a seeded random N of the data (default 1000)
  --mode MODE           static (default): ranges from the calibration data; dynamic: from each batch
  --per-tensor          One weight scale per layer instead of one per output channel
  --percentile P        Clip activation ranges to the P-th percentile (50 < P <= 100) instead of min/max
  --data-dir DIR        Folder with Fashion-MNIST's four IDX files
  --seed N              Seed of the sample choice (default 1)
  --onnx FILE           Also write the quantized model as QDQ ONNX
  -h, --help            Show this help

Examples:
  simdnn train --data digits --layers 64 --folds 0 --out digits-model
  simdnn quantize --model digits-model --calibration digits --out digits-int8
  simdnn predict --model digits-int8 --input digit-rows.csv
`;
