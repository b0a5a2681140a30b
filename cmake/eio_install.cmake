# Installs the library, its headers and an eioConfig.cmake so that consumers can write
# find_package(eio CONFIG) and link eio::eio (and eio::asio for the Boost.Asio bridge).
include(CMakePackageConfigHelpers)

install(TARGETS eio eio_asio EXPORT eioTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/eio DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT eioTargets NAMESPACE eio:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/eio)

configure_package_config_file(cmake/eioConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/eioConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/eio)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/eioConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/eioConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/eioConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/eio)
