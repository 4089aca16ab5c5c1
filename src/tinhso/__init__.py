"""tinhso — nền tảng chính quyền số cấp tỉnh (provincial digital-government platform)."""

__version__ = "0.1.0"
