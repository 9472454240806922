{
  "target_defaults": {
    "defines": ["NAPI_VERSION=8"],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
    "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-ffp-contract=off"],
    "include_dirs": ["native"]
  },
  "targets": [
    {
      "target_name": "simdnn_kern_scalar",
      "type": "static_library",
      "sources": ["<!@(node scripts/gyp-sources.cjs native/kernels/scalar)"]
    },
    {
      "target_name": "simdnn",
      "sources": [
        "<!@(node scripts/gyp-sources.cjs native/napi native/core native/nn native/nn/layers)",
        "native/kernels/dispatch.cc",
        "native/kernels/int8_dispatch.cc"
      ],
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except_all",
        "simdnn_kern_scalar"
      ],
      "conditions": [
        ["target_arch=='x64'", { "dependencies": ["simdnn_kern_avx2", "simdnn_kern_avx512"] }],
        ["target_arch=='arm64'", { "dependencies": ["simdnn_kern_neon"] }]
      ]
    }
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "simdnn_kern_avx2",
          "type": "static_library",
          "sources": ["<!@(node scripts/gyp-sources.cjs native/kernels/avx2)"],
          "cflags_cc": ["-mavx2", "-mfma"]
        },
        {
          "target_name": "simdnn_kern_avx512",
          "type": "static_library",
          "sources": ["<!@(node scripts/gyp-sources.cjs native/kernels/avx512)"],
          "cflags_cc": ["-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mfma", "-Wno-uninitialized"]
        }
      ]
    }],
    ["target_arch=='arm64'", {
      "targets": [
        {
          "target_name": "simdnn_kern_neon",
          "type": "static_library",
          "sources": ["<!@(node scripts/gyp-sources.cjs native/kernels/neon)"]
        }
      ]
    }]
  ]
}
