"""DICOM de-identification: what the hub keeps (and so what any HIP or hospital can get) of a DICOM.

A patient's DICOM header carries their name, birth date, ids, the institution, the physicians and
the dates of the study. The hub de-identifies every DICOM at upload, before it is stored, so the
only copy that can leave the hub (to the nearby HIPs before any consent, to the consented hospitals
afterwards) is the de-identified one. The original bytes are never stored.

The profile is the **Basic Application Level Confidentiality Profile** of DICOM PS3.15 Annex E
(Table E.1-1), without any of its retain options, implemented as a subset:

- *Z* (emptied, kept because they are Type 2): the patient's name, id, birth date and sex, the
  study's date, time, id and accession number, the referring physician;
- *X* (removed): the attributes of :data:`REMOVE` (addresses, telephone numbers, other ids and
  names, age, size, weight, institution, department, station, device serial number, operators and
  physicians, descriptions and comments, protocol name, request and procedure attributes);
- by value representation, anywhere in the dataset including sequences: every person name (PN) is
  emptied, every date, time and date-time (DA, TM, DT) is emptied (no "Retain Longitudinal Temporal
  Information" option);
- *U*: instance UIDs (study, series, SOP instance, frame of reference...) are replaced by
  ``2.25.<integer>`` derived with a keyed hash, so the same original gives the same new UID (series
  stay series) and nobody can recompute it without the key;
- private attributes, overlays (60xx) and curves (50xx) are removed;
- Patient Identity Removed is set to YES with the De-identification Method and its code
  (113100, "Basic Application Confidentiality Profile").

Kept, because the models need them: modality, body part examined, image orientation and position,
pixel spacing, slice thickness, the pixel module and the pixel data (untouched).

Burned-in text cannot be removed from the pixels here: a DICOM whose Burned In Annotation says YES is
refused (:class:`BurnedInText`), so it never leaves; one that does not say is accepted (most do not
have it), which is the profile's own limit.
"""

from __future__ import annotations

import hashlib
import hmac
import io

import pydicom
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from qaid.imaging import ImageError, check_dicom_inflation
from qaid_contracts.limits import MAX_IMAGE_BYTES

__all__ = ["BurnedInText", "DeidError", "deidentify", "EMPTY", "REMOVE"]

METHOD = "PS3.15 E.1 Basic Profile, subset (qaid/deid.py)"  # LO: at most 64 characters

EMPTY = frozenset(
    {
        "PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyDate", "StudyTime",
        "StudyID", "AccessionNumber", "ReferringPhysicianName", "ContentDate", "ContentTime",
    }
)  # fmt: skip
REMOVE = frozenset(
    {
        "AcquisitionComments", "AdditionalPatientHistory", "AdmissionID", "AdmittingDiagnosesDescription",
        "Allergies", "AuthorObserverSequence", "BranchOfService", "CountryOfResidence",
        "CurrentPatientLocation", "DerivationDescription", "DeviceSerialNumber", "EthnicGroup",
        "FrameComments", "ImageComments", "InstitutionAddress", "InstitutionCodeSequence",
        "InstitutionName", "InstitutionalDepartmentName", "IssuerOfPatientID", "MedicalAlerts",
        "MedicalRecordLocator", "MilitaryRank", "NameOfPhysiciansReadingStudy", "Occupation",
        "OperatorsName", "OtherPatientIDs", "OtherPatientIDsSequence", "OtherPatientNames",
        "PatientAddress", "PatientAge", "PatientBirthName", "PatientBirthTime", "PatientComments",
        "PatientInsurancePlanCodeSequence", "PatientMotherBirthName", "PatientReligiousPreference",
        "PatientSize", "PatientState", "PatientTelephoneNumbers", "PatientWeight",
        "PerformedProcedureStepDescription", "PerformedProcedureStepID", "PerformingPhysicianName",
        "PhysiciansOfRecord", "PregnancyStatus", "ProtocolName", "ReasonForStudy",
        "ReferencedPatientSequence", "ReferringPhysicianAddress", "ReferringPhysicianTelephoneNumbers",
        "RequestAttributesSequence", "RequestedProcedureDescription", "RequestingPhysician",
        "ResponsibleOrganization", "ResponsiblePerson", "ScheduledProcedureStepDescription",
        "SeriesDescription", "SmokingStatus", "SpecialNeeds", "StationName", "StudyComments",
        "StudyDescription", "TextComments", "VisitComments", "InstanceCreatorUID",
    }
)  # fmt: skip
NEW_UID = frozenset(
    {
        "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "FrameOfReferenceUID",
        "ReferencedSOPInstanceUID", "MediaStorageSOPInstanceUID", "IrradiationEventUID",
        "SynchronizationFrameOfReferenceUID", "ConcatenationUID", "DimensionOrganizationUID",
        "StorageMediaFileSetUID", "ReferencedFrameOfReferenceUID",
    }
)  # fmt: skip
_EMPTY_VRS = frozenset({"PN", "DA", "TM", "DT"})


class DeidError(ValueError):
    """The DICOM cannot be parsed, so it cannot be de-identified (and must not be kept)."""


class BurnedInText(DeidError):
    """The DICOM says identifying text is burned into its pixels."""


def _new_uid(key: bytes, uid: str) -> str:
    digest = hmac.new(key, uid.encode(), hashlib.sha256).digest()[:16]
    return f"2.25.{int.from_bytes(digest, 'big')}"


def _clean(ds: Dataset, key: bytes) -> None:
    ds.remove_private_tags()
    for elem in list(ds):
        group, keyword = elem.tag.group, elem.keyword
        if keyword in REMOVE or 0x5000 <= group <= 0x50FF or 0x6000 <= group <= 0x60FF:
            del ds[elem.tag]
        elif elem.VR == "SQ":
            for item in elem.value or Sequence():
                _clean(item, key)
        elif keyword in NEW_UID and elem.value:
            elem.value = _new_uid(key, str(elem.value))
        elif keyword in EMPTY or elem.VR in _EMPTY_VRS:
            elem.value = ""


def deidentify(data: bytes, key: bytes) -> bytes:
    """``data`` (a DICOM file) de-identified per the module's profile; UIDs are keyed with ``key``.

    Raises :class:`DeidError` when it cannot be parsed, :class:`BurnedInText` when it says its pixels
    carry text. Deterministic: the same bytes and key give the same bytes.
    """
    try:
        check_dicom_inflation(data, MAX_IMAGE_BYTES)  # a deflated bomb stops before pydicom inflates it
        ds = pydicom.dcmread(io.BytesIO(data))
    except ImageError as exc:
        raise DeidError(exc.message) from exc
    except Exception as exc:  # pydicom's parse errors have no common base
        raise DeidError("The DICOM file cannot be read.") from exc
    if str(ds.get("BurnedInAnnotation", "")).upper() == "YES":
        raise BurnedInText("The DICOM says text (such as a name) is burned into the image.")
    _clean(ds, key)
    meta = getattr(ds, "file_meta", None)
    if meta is not None and meta.get("MediaStorageSOPInstanceUID"):
        meta.MediaStorageSOPInstanceUID = ds.get("SOPInstanceUID") or _new_uid(
            key, str(meta.MediaStorageSOPInstanceUID)
        )
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = METHOD
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator = "113100", "DCM"
    code.CodeMeaning = "Basic Application Confidentiality Profile"
    ds.DeidentificationMethodCodeSequence = Sequence([code])
    out = io.BytesIO()
    try:
        ds.save_as(out, enforce_file_format=True)
    except Exception as exc:
        raise DeidError("The DICOM file cannot be written back after de-identification.") from exc
    return out.getvalue()
