# What `cmake --install` lays out, and the Debian package CPack makes of it (`cpack -G DEB` in the build folder).
# Included at the end of the top-level CMakeLists.txt.
#
#   bin/memoscope, bin/memoscope-cli          the app runs models in memoscope-cli, which it finds beside itself
#   share/memoscope/demo/                     the demo model and data set: the app and `--data demo-digits` look
#                                             for ../share/memoscope/demo/ next to their executable
#   share/memoscope/python/memoscope_record/  the recorder for the user's own Python (PYTHONPATH=.../python)
#   share/applications/memoscope.desktop, share/icons/hicolor/{scalable,256x256}/apps/memoscope.{svg,png}
#
# Literal bin/ and share/ (not GNUInstallDirs' variables): the programs find their demo by this relative layout.

install(TARGETS memoscope memoscope-cli RUNTIME DESTINATION bin)
install(FILES
  ${PROJECT_SOURCE_DIR}/resources/demo/digits_cnn.pt
  ${PROJECT_SOURCE_DIR}/resources/demo/digits.csv
  ${PROJECT_SOURCE_DIR}/resources/demo/README.md
  DESTINATION share/memoscope/demo)
install(FILES ${MEMOSCOPE_RECORDER_SOURCES} DESTINATION share/memoscope/python/memoscope_record)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/memoscope.desktop DESTINATION share/applications)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/memoscope.svg DESTINATION share/icons/hicolor/scalable/apps)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/memoscope.png DESTINATION share/icons/hicolor/256x256/apps)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION share/doc/memoscope)

set(MEMOSCOPE_PACKAGE_MAINTAINER "Memoscope developers <memoscope@example.org>"
  CACHE STRING "The Maintainer field of the Debian package")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME memoscope)
set(CPACK_PACKAGE_VENDOR Memoscope)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
  "Memoscope profiles a TorchScript model's training or inference step and records every allocation and free, "
  "attributed to the layer, the phase and the kind of tensor. A desktop app shows the memory timeline, the layer "
  "tree and what is alive at the peak; runs are stored in SQLite to compare. It quantizes or lowers the precision "
  "of models, measures the result against the original, and writes reports (HTML, PDF) and exports (CSV, JSON, "
  "Perfetto traces).")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON) # RelWithDebInfo binaries carry their debug information; the package does not
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # memoscope_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${MEMOSCOPE_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The Debian 12 packages of every library the two binaries load (checked with readelf -d, dpkg -S and
# dpkg-shlibdeps on the built binaries). libqxcb, the X11 platform plugin, is in libqt6gui6; libtorch
# falls back to the reference BLAS, about 40x slower on Linear layers, without OpenBLAS.
set(CPACK_DEBIAN_PACKAGE_DEPENDS
  "libc6 (>= 2.34), libgcc-s1 (>= 3.0), libstdc++6 (>= 11), libqt6core6 (>= 6.4.0), libqt6gui6 (>= 6.4.0), "
  "libqt6widgets6 (>= 6.4.0), libqt6printsupport6 (>= 6.4.0), libqcustomplot2.1-qt6 (>= 2.1.0), "
  "libsqlite3-0 (>= 3.5.9), libtorch1.13 (>= 1.13.1), libopenblas0-pthread")
string(REPLACE ";" "" CPACK_DEBIAN_PACKAGE_DEPENDS "${CPACK_DEBIAN_PACKAGE_DEPENDS}")
string(REPLACE ";" "" CPACK_PACKAGE_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION}")
include(CPack)
