{
  "target_defaults": {
    "defines": ["NAPI_VERSION=8"],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
    "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-ffp-contract=off"],
    "include_dirs": ["native"],
    "conditions": [
      ["OS=='mac'", {
        "xcode_settings": {
          "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
          "CLANG_CXX_LIBRARY": "libc++",
          "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
          "GCC_OPTIMIZATION_LEVEL": "3",
          "MACOSX_DEPLOYMENT_TARGET": "10.15",
          "OTHER_CPLUSPLUSFLAGS": ["-ffp-contract=off"]
        }
      }],
      ["OS=='win'", {
        "defines": ["_HAS_EXCEPTIONS=1", "NOMINMAX"],
        "msvs_settings": {
          "VCCLCompilerTool": {
            "ExceptionHandling": 1,
            "Optimization": 2,
            "AdditionalOptions": ["/std:c++17", "/fp:precise"]
          }
        }
      }]
    ]
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
          "cflags_cc": ["-mavx2", "-mfma"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-ffp-contract=off", "-mavx2", "-mfma"] },
          "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/std:c++17", "/fp:precise", "/arch:AVX2"] } }
        },
        {
          "target_name": "simdnn_kern_avx512",
          "type": "static_library",
          "sources": ["<!@(node scripts/gyp-sources.cjs native/kernels/avx512)"],
          "cflags_cc": ["-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mfma", "-Wno-uninitialized"],
          "xcode_settings": {
            "OTHER_CPLUSPLUSFLAGS": ["-ffp-contract=off", "-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mfma"]
          },
          "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/std:c++17", "/fp:precise", "/arch:AVX512"] } }
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
