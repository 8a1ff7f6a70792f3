// Anchor translation unit: builds the shared precompiled header once.
#include "torch_support/torch_pch.h"
