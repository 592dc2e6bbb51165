/**
 * Every error a service can answer with, in one table: stable code -> HTTP status and default message.
 * Modelled on Orthanc's ErrorCodes.json: callers throw a code, never choose a status at the throw site.
 */
export const ErrorCodes = {
  // Requests
  ROUTE_NOT_FOUND: { status: 404, message: 'No such route' },
  REQUEST_INVALID: { status: 400, message: 'The request is not valid' },
  UNAUTHORIZED: { status: 401, message: 'Missing or wrong credentials' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send multipart/form-data with the files in the field "files"' },
  // Uploads
  UPLOAD_NO_FILES: { status: 400, message: 'The upload holds no file part (field "files" or "file")' },
  UPLOAD_MALFORMED: { status: 400, message: 'The multipart body could not be read' },
  UPLOAD_UNEXPECTED_FIELD: { status: 400, message: 'Files must be sent in the field "files" or "file"' },
  UPLOAD_FILE_TOO_LARGE: { status: 413, message: 'A file is larger than the per-file limit' },
  UPLOAD_TOO_MANY_FILES: { status: 413, message: 'The upload holds more files than allowed' },
  UPLOAD_TOO_LARGE: { status: 413, message: 'The upload is larger than the per-upload limit' },
  UPLOAD_TOO_MANY_PARTS: { status: 413, message: 'The upload holds too many parts or fields' },
  UPLOAD_ABORTED: { status: 400, message: 'The client stopped sending before the upload was complete' },
  UPLOAD_FIELD_TOO_LARGE: { status: 413, message: 'A form field that is not a file, or its name, is larger than allowed' },
  UPLOAD_PART_UNNAMED: { status: 400, message: 'A part in the field "files" has no file name: send each file as a file part' },
  // Studies
  STUDY_ID_INVALID: { status: 400, message: 'The study id is malformed' },
  STUDY_NOT_FOUND: { status: 404, message: 'No study with that id' },
  STUDY_ALREADY_EXISTS: { status: 409, message: 'A different study is already stored under that id' },
  STUDY_NOT_RETRYABLE: { status: 409, message: 'Only a failed study can be run again' },
  INSTANCE_CONFLICT: {
    status: 409,
    message: 'An instance of the study is already stored with other content under the same SOP Instance UID',
  },
  INCONSISTENT_PATIENT: { status: 422, message: 'The stored study with this StudyInstanceUID belongs to another patient (PatientID)' },
  INSTANCE_NOT_FOUND: { status: 404, message: 'The study holds no file with that SOP Instance UID or stored name' },
  METADATA_NOT_FOUND: { status: 404, message: 'The study has no metadata.json: none of its files could be read as DICOM' },
  RANGE_NOT_SATISFIABLE: { status: 416, message: 'The requested byte range lies outside the file' },
  PRECONDITION_FAILED: { status: 412, message: "The file's ETag does not match the request's If-Match" },
  STAGED_FILE_UNAVAILABLE: {
    status: 422,
    message:
      'A file sent by reference is not in this service\'s staging folder: give the services one shared stagingDir, or set the gateway\'s pipeline.transport to "stream"',
  },
  // DICOM content (outcomes of a study)
  NOT_DICOM: { status: 400, message: 'A file is not a DICOM Part 10 file' },
  NOT_PART10: {
    status: 400,
    message:
      'A file is a DICOM data set without the Part 10 framing: no 128-byte preamble, no DICM prefix or no File Meta Information (PS3.10 §7.1)',
  },
  FILE_META_INVALID: { status: 400, message: "A file's File Meta Information is incomplete or contradicts its data set (PS3.10 §7.1)" },
  MEDIA_STORAGE_DIRECTORY: {
    status: 400,
    message: 'A file is a Media Storage Directory (DICOMDIR, PS3.10 §8): the index of a file-set, not an instance to store',
  },
  CORRUPT_DICOM: { status: 400, message: 'A file is damaged: its structure cannot be read completely' },
  DEFLATE_BOMB: { status: 400, message: 'A deflated data set inflates past the configured limit' },
  STUDY_INVALID: { status: 422, message: 'The study breaks required DICOM rules' },
  // Service failures
  PROCESSING_FAILED: { status: 500, message: 'The study could not be processed' },
  INTERNAL: { status: 500, message: 'Internal error' },
  DOWNSTREAM_UNAVAILABLE: { status: 503, message: 'A service the pipeline depends on is unavailable' },
  STORAGE_FAILED: { status: 503, message: 'The study could not be written to storage' },
  STORAGE_FULL: { status: 503, message: 'The storage has no space left' },
  SHUTTING_DOWN: { status: 503, message: 'The service is shutting down' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ErrorCodes;
