# cmake -DFUZZER=... -DRUNS=n -DSEEDS=dir -DCORPUS=dir -DARTIFACTS=dir/ -P RunFuzzer.cmake
# One fixed-length libFuzzer run with a fixed seed, so that the test is repeatable; new inputs that reach new
# code are kept in CORPUS for the next run.
file(MAKE_DIRECTORY ${CORPUS} ${ARTIFACTS})
execute_process(
  COMMAND ${FUZZER} -runs=${RUNS} -seed=1 -timeout=10 -rss_limit_mb=2048 -max_len=65536
          -artifact_prefix=${ARTIFACTS} -print_final_stats=1 ${CORPUS} ${SEEDS}
  RESULT_VARIABLE result)
file(GLOB kept ${CORPUS}/*)
list(LENGTH kept size)
message(STATUS "corpus: ${size} inputs in ${CORPUS}")
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${FUZZER} found an input that crashes, leaks or hangs (exit ${result}); it is in ${ARTIFACTS}")
endif()
