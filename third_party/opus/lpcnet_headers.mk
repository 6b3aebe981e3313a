DEEP_PLC_HEAD = \
dnn/lpcnet.h \
dnn/burg.h \
dnn/common.h \
dnn/freq.h \
dnn/fargan.h \
dnn/fargan_data.h \
dnn/lpcnet_private.h \
dnn/nnet.h \
dnn/plc_data.h \
dnn/vec.h \
dnn/vec_avx.h \
dnn/vec_neon.h \
dnn/pitchdnn.h \
dnn/pitchdnn_data.h \
dnn/x86/dnn_x86.h \
dnn/nnet_arch.h \
dnn/arm/dnn_arm.h

DRED_HEAD = \
dnn/dred_coding.h \
dnn/dred_config.h \
dnn/dred_decoder.h \
dnn/dred_encoder.h \
dnn/dred_rdovae.h \
dnn/dred_rdovae_constants.h \
dnn/dred_rdovae_enc.h \
dnn/dred_rdovae_enc_data.h \
dnn/dred_rdovae_dec.h \
dnn/dred_rdovae_dec_data.h \
dnn/dred_rdovae_stats_data.h

OSCE_HEAD= \
dnn/osce.h \
dnn/osce_config.h \
dnn/osce_structs.h \
dnn/osce_features.h \
dnn/nndsp.h \
dnn/lace_data.h \
dnn/nolace_data.h

LOSSGEN_HEAD = \
dnn/lossgen.h \
dnn/lossgen_data.h
